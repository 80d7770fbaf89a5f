import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LiveMember, ServerMessage } from '@conclave/schema';
import type { Ticket } from '../src/realtime/admission.js';
import type { LiveEngine, Membership, Peer } from '../src/realtime/live-engine.js';
import { RelayClient, type RelayLink } from '../src/relay/relay-client.js';
import { RelayHub } from '../src/relay/relay-hub.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON-RPC frames are checked field by field
type Frame = any;

const SESSION = {
  id: '00000000-0000-7000-8000-000000000001',
  name: 'room',
  display_name: null,
  conference_id: null,
  room_id: 'room-id',
  layout: 'grid-responsive',
  locked: false,
  max_members: 20,
  enable_chat: true,
  start_time: '2026-01-01T00:00:00Z',
  tone_on_entry_and_exit: true,
  colors: {} as never,
  recording: false,
};

function member(id: string, second: number, joinAs: 'member' | 'audience' = 'member'): LiveMember {
  return {
    id,
    name: id,
    join_time: `2026-01-01T00:00:${String(second).padStart(2, '0')}Z`,
    join_as: joinAs,
    audio_muted: false,
    video_muted: false,
    deaf: false,
    can_publish: joinAs === 'member',
    reconnecting: false,
  };
}

/** A relay client over a stand-in engine: what it shows, and what it tells its socket. */
async function setup(others: LiveMember[]) {
  const shows: (string | null)[] = [];
  const sent: Frame[] = [];
  let peer: Peer | undefined;
  const membership = { session: { id: SESSION.id }, member: { id: 'me' } } as Membership;
  const engine = {
    join: async (p: Peer) => {
      peer = p;
      const joined: ServerMessage = {
        type: 'joined',
        protocol: 1,
        session: SESSION,
        member: member('me', 30),
        members: others,
        scopes: [],
        resume_token: 'r',
        resumed: false,
        media: { available: true, ice_servers: [] },
      };
      p.send(JSON.stringify(joined));
      return membership;
    },
    call: () => undefined,
    show: (_m: Membership, id: string | null) => shows.push(id),
    isCurrent: (_m: Membership, p: Peer) => p === peer,
  } as unknown as LiveEngine;
  const hub = new RelayHub();
  const link: RelayLink = {
    open: true,
    send: (text) => sent.push(JSON.parse(text)),
    close: () => undefined,
  };
  const ticket = { projectId: 'P', scopes: new Set() } as unknown as Ticket;
  const client = new RelayClient(engine, hub, 'signalwire_s_r', 't', ticket, undefined, {}, 1000);
  hub.register(client);
  client.attach(link);
  const offer =
    'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendrecv\r\n';
  await client.invite(link, 'v1', 'CALL', offer, undefined, () => undefined);
  const tell = (message: ServerMessage | { type: 'call.answer'; ref: string; sdp: string }) =>
    peer!.send(JSON.stringify(message));
  tell({ type: 'call.answer', ref: 'CALL', sdp: 'answer' });
  /** The layers of the latest layout sent, as [member, position]. */
  const layers = () => {
    const layouts = sent.filter((f) => f.params?.event_type === 'video.layout.changed');
    return layouts.at(-1)?.params.params.layout.layers.map((l: Frame) => [l.member_id, l.position]);
  };
  return { client, hub, shows, sent, tell, layers };
}

const talking = (id: string, on = true) =>
  ({ type: 'member.talking', member_id: id, talking: on }) as const;

describe('relay: whom each SignalWire member sees', () => {
  it('the earliest other publisher, then the latest other talker, kept until another talks', async () => {
    const { shows, tell, layers } = await setup([
      member('watcher', 1, 'audience'),
      member('a', 2),
      member('b', 3),
    ]);
    assert.deepEqual(shows, ['a']);
    assert.deepEqual(layers(), [
      ['a', 'standard-1'],
      ['me', 'self'],
    ]);
    tell(talking('b'));
    assert.deepEqual(shows, ['a', 'b']);
    assert.deepEqual(layers()[0], ['b', 'standard-1']);
    tell(talking('b', false));
    tell(talking('me'));
    assert.deepEqual(shows, ['a', 'b'], 'quiet, or oneself talking, changes nothing');
    tell(talking('a'));
    assert.deepEqual(shows, ['a', 'b', 'a']);
    tell({ type: 'member.left', member_id: 'a', reason: 'left' });
    assert.deepEqual(shows, ['a', 'b', 'a', 'b'], 'the talker left: the earliest other');
  });

  it('a pinned member for everyone, never oneself; unpinned when it leaves', async () => {
    const { hub, shows, tell, sent } = await setup([member('a', 1), member('b', 2)]);
    hub.pin(SESSION.id, 'b');
    assert.deepEqual(shows, ['a', 'b']);
    const requested = sent.filter((f) => f.params?.event_type === 'video.member.updated');
    assert.deepEqual(requested.at(-1).params.params.member, {
      id: 'b',
      room_session_id: SESSION.id,
      room_id: 'room-id',
      requested_position: 'standard-1',
      updated: ['requested_position'],
    });
    tell(talking('a'));
    assert.deepEqual(shows, ['a', 'b'], 'a pin wins over talking');
    hub.pin(SESSION.id, 'me');
    assert.deepEqual(shows, ['a', 'b', 'a'], 'pinned itself: the latest talker');
    hub.pin(SESSION.id, 'b');
    tell({ type: 'member.left', member_id: 'b', reason: 'removed' });
    assert.equal(hub.pinned(SESSION.id), undefined);
    assert.deepEqual(shows.at(-1), 'a');
  });

  it('translates member updates into changed fields, and ignores reconnecting', async () => {
    const { tell, sent } = await setup([member('a', 1)]);
    const updates = () => sent.filter((f) => f.params?.event_type === 'video.member.updated');
    tell({ type: 'member.updated', member: { ...member('a', 1), reconnecting: true } });
    assert.equal(updates().length, 0);
    tell({ type: 'member.updated', member: { ...member('a', 1), audio_muted: true, deaf: true } });
    assert.deepEqual(updates()[0].params.params.member, {
      id: 'a',
      room_session_id: SESSION.id,
      room_id: 'room-id',
      audio_muted: true,
      deaf: true,
      updated: ['audio_muted', 'deaf'],
    });
    tell({ type: 'session.updated', session: { ...SESSION, layout: '2x1' } });
    const layout = sent.filter((f) => f.params?.event_type === 'video.layout.changed').at(-1);
    assert.equal(layout.params.params.layout.id, '2x1');
    assert.ok(sent.some((f) => f.params?.event_type === 'video.room.updated'));
    tell({ type: 'chat', from: 'a', name: 'a', text: 'hi', at: SESSION.start_time });
    assert.equal(
      sent.filter((f) => f.params?.event_type?.includes('chat')).length,
      0,
      'chat is not carried',
    );
  });
});
