/**
 * werift (0.25.2) drops a STUN response to its own connectivity check unless the response's
 * MESSAGE-INTEGRITY verifies with the peer's ICE password. Chrome, offering through SignalWire's
 * browser SDK (which pools ICE candidates and sends its offer before any is gathered), now and
 * then signs its responses with a key that is not the offer's password — while it accepts our
 * checks signed with that password. werift's checks then never succeed, ICE never completes, DTLS
 * never starts, and the SDK gives up after 3 s (seen in most runs of the web package's SDK test).
 *
 * Such a response is accepted here: it still has to answer a pending check (a 96-bit random
 * transaction id), come from the address the check went to, and carry a MESSAGE-INTEGRITY
 * attribute; the peer is authenticated by DTLS (its certificate's fingerprint in the offer) in
 * any case. Responses that verify, and everything else, are handled by werift as before. It
 * applies to every connection of the worker (Conclave's own clients' too; theirs verify).
 */
import * as werift from 'werift';

interface StunMessage {
  messageClass: number;
  transactionIdHex: string;
}
interface Transaction {
  integrityKey?: Buffer;
  responseReceived(message: StunMessage, addr: [string, number]): void;
}
interface Protocol {
  transactionsKeys: string[];
  transactions: Record<string, Transaction>;
  datagramReceived(data: Buffer, addr: [string, number]): void;
}

const RESPONSE = 0x100;
const ERROR = 0x110;
let installed = false;

/** Installs the tolerance (once per thread). */
export function acceptUnverifiedStunResponses(): void {
  if (installed) return;
  installed = true;
  // The classes of werift's ESM build (the one the connections use), typed by what is used here.
  const stun = werift as unknown as {
    StunProtocol: { prototype: Protocol };
    parseMessage(data: Buffer, integrityKey?: Buffer): StunMessage | undefined;
  };
  const proto = stun.StunProtocol.prototype;
  const original = proto.datagramReceived;
  proto.datagramReceived = function (this: Protocol, data: Buffer, addr: [string, number]) {
    const first = data[0];
    // STUN messages start with two zero bits; RTP, RTCP and DTLS do not reach the parse below.
    if (first !== undefined && first < 2) {
      const message = stun.parseMessage(data);
      if (
        message &&
        (message.messageClass === RESPONSE || message.messageClass === ERROR) &&
        this.transactionsKeys.includes(message.transactionIdHex)
      ) {
        const transaction = this.transactions[message.transactionIdHex]!;
        const key = transaction.integrityKey;
        if (key && !stun.parseMessage(data, key)) {
          transaction.responseReceived(message, addr);
          return;
        }
      }
    }
    original.call(this, data, addr);
  };
}
