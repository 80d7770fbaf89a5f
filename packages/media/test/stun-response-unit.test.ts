import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as werift from 'werift';
import { acceptUnverifiedStunResponses } from '../src/worker/stun-response-check.js';

interface Message {
  transactionIdHex: string;
  setAttribute(name: string, value: unknown): Message;
  addMessageIntegrity(key: Buffer): Message;
  addFingerprint(): Message;
  bytes: Buffer;
}
const stun = werift as unknown as {
  Message: new (method: number, messageClass: number) => Message;
  StunProtocol: { prototype: object };
  methods: { BINDING: number };
  classes: { RESPONSE: number };
};

const ADDR: [string, number] = ['127.0.0.1', 50000];
const PASSWORD = Buffer.from('the-peer-password-22ch');

/** A binding success response signed with `key`. */
function response(key: Buffer): Message {
  return new stun.Message(stun.methods.BINDING, stun.classes.RESPONSE)
    .setAttribute('XOR-MAPPED-ADDRESS', ADDR)
    .addMessageIntegrity(key)
    .addFingerprint();
}

/** A werift STUN protocol with one pending check, recording what it is answered. */
function protocolAwaiting(message: Message) {
  const answered: unknown[] = [];
  const protocol = Object.assign(Object.create(stun.StunProtocol.prototype), {
    transactions: {
      [message.transactionIdHex]: {
        integrityKey: PASSWORD,
        responseReceived: (m: unknown) => answered.push(m),
      },
    },
    onRequestReceived: { execute: () => undefined },
    onDataReceived: { execute: () => undefined },
  }) as { datagramReceived(data: Buffer, addr: [string, number]): void };
  return { protocol, answered };
}

describe('STUN responses to our checks', () => {
  acceptUnverifiedStunResponses();

  it('are taken when they verify, as werift does', () => {
    const good = response(PASSWORD);
    const { protocol, answered } = protocolAwaiting(good);
    protocol.datagramReceived(good.bytes, ADDR);
    assert.equal(answered.length, 1);
  });

  it('are taken when signed with another key (Chrome through the SDK, now and then)', () => {
    const other = response(Buffer.from('not-the-offer-password'));
    const { protocol, answered } = protocolAwaiting(other);
    protocol.datagramReceived(other.bytes, ADDR);
    assert.equal(answered.length, 1);
  });

  it('answer only a pending check', () => {
    const { protocol, answered } = protocolAwaiting(response(PASSWORD));
    protocol.datagramReceived(response(Buffer.from('not-the-offer-password')).bytes, ADDR);
    protocol.datagramReceived(response(PASSWORD).bytes, ADDR);
    assert.equal(answered.length, 0, 'other transaction ids are ignored');
  });
});
