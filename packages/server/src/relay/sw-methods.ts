/**
 * The SDK's room methods (`video.*`), each carried out as Conclave's own realtime action would be:
 * through LiveEngine.handle, with the same scope checks, records and events. What Conclave does
 * not do yet answers `501`; lists of what it never has answer empty.
 */
import { VIDEO_LAYOUTS, type ClientMessage } from '@conclave/schema';
import { ActionError, type LiveEngine } from '../realtime/live-engine.js';
import type { RelayClient } from './relay-client.js';
import type { RelayHub } from './relay-hub.js';
import { failed, OK, type JsonObject, type MethodResult } from './sw-wire.js';

export interface MethodContext {
  engine: LiveEngine;
  hub: RelayHub;
  client: RelayClient;
  params: JsonObject;
}

type Handler = (ctx: MethodContext) => MethodResult | Promise<MethodResult>;

/** A parameter of the wrong type: JSON-RPC `-32602`. */
export class BadParams extends Error {}

type Action = Exclude<
  ClientMessage,
  | { type: 'join' | 'leave' | 'signal' | 'chat' }
  | { type: `media.${string}` | `recording.${string}` }
>;

const STATUS: Record<string, '403' | '404' | '409' | '422' | '429' | '503'> = {
  forbidden: '403',
  member_not_found: '404',
  recording_not_found: '404',
  recording_unavailable: '503',
  not_publisher: '409',
  bad_message: '422',
  rate_limited: '429',
  unavailable: '503',
  media_unavailable: '503',
};

/** LiveEngine's outcome as a method result. */
async function outcome(result: Promise<boolean> | ActionError | undefined): Promise<MethodResult> {
  if (result instanceof ActionError) return failed(STATUS[result.code] ?? '422', result.message);
  if (result && !(await result)) return failed('503', 'could not be recorded');
  return OK;
}

function act(ctx: MethodContext, action: Action): Promise<MethodResult> {
  return outcome(ctx.engine.handle(ctx.client.membership!, action));
}

function optionalString(params: JsonObject, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > 200) throw new BadParams(`${name} is a string`);
  return value;
}

function requiredString(params: JsonObject, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined) throw new BadParams(`${name} is required`);
  return value;
}

/** The member a member method names: `member_id`, or oneself. */
function target(ctx: MethodContext): string | undefined {
  return optionalString(ctx.params, 'member_id');
}

const update =
  (fields: { audio_muted?: boolean; video_muted?: boolean; deaf?: boolean }): Handler =>
  (ctx) => {
    const memberId = target(ctx);
    return act(ctx, {
      type: 'member.update',
      ...(memberId === undefined || memberId === ctx.client.selfId ? {} : { member_id: memberId }),
      ...fields,
    });
  };

const remove: Handler = async (ctx) => {
  const memberId = target(ctx) ?? ctx.client.selfId!;
  if (memberId !== 'all') return act(ctx, { type: 'member.remove', member_id: memberId });
  // Everyone, oneself last (the room is empty afterwards).
  const self = ctx.client.selfId!;
  const ids = ctx.client
    .members()
    .map((m) => m.id as string)
    .filter((id) => id !== self);
  for (const id of [...ids, self]) {
    const result = await act(ctx, { type: 'member.remove', member_id: id });
    if (result.code !== '200' && result.code !== '404') return result;
  }
  return OK;
};

/** `standard-N` / `reserved-N` pin a member for everyone on the relay; `auto` unpins. */
const PIN = /^(standard|reserved)(-\d{1,3})?$/;

function position(ctx: MethodContext, memberId: string, value: string): MethodResult {
  const view = ctx.client.view!;
  if (!view.members.has(memberId)) return failed('404', 'no such member');
  const sessionId = view.session.id;
  if (value === 'auto') {
    if (ctx.hub.pinned(sessionId) === memberId) ctx.hub.pin(sessionId, null);
    return OK;
  }
  if (!PIN.test(value)) {
    return failed(
      '422',
      `position "${value.slice(0, 50)}" is not supported: standard-N or reserved-N pins a member for everyone, auto unpins`,
    );
  }
  ctx.hub.pin(sessionId, memberId);
  return OK;
}

function hasScope(ctx: MethodContext, scope: string): boolean {
  return ctx.client.ticket.scopes.has(scope);
}

const setMemberPosition: Handler = (ctx) => {
  const memberId = target(ctx) ?? ctx.client.selfId!;
  const value = requiredString(ctx.params, 'position');
  const scope =
    memberId === ctx.client.selfId ? 'room.self.set_position' : 'room.member.set_position';
  if (!hasScope(ctx, scope)) return failed('403', `the token does not grant ${scope}`);
  return position(ctx, memberId, value);
};

const setPositions: Handler = (ctx) => {
  const positions = ctx.params.positions;
  if (typeof positions !== 'object' || positions === null || Array.isArray(positions)) {
    throw new BadParams('positions is an object of member ids to positions');
  }
  if (!hasScope(ctx, 'room.set_position')) {
    return failed('403', 'the token does not grant room.set_position');
  }
  const entries = Object.entries(positions as JsonObject).slice(0, 100);
  for (const [memberId, value] of entries) {
    if (typeof value !== 'string') throw new BadParams('a position is a string');
    const id = memberId === 'self' ? ctx.client.selfId! : memberId;
    const result = position(ctx, id, value);
    if (result.code !== '200') return result;
  }
  return OK;
};

const iso = (ms: number) => new Date(ms).toISOString();

/** `startRecording()`: the SDK builds its recording object from `recording`. */
const startRecording: Handler = async (ctx) => {
  const started = await ctx.engine.startRecording(ctx.client.membership!);
  if (started instanceof ActionError) return outcome(started);
  return {
    ...OK,
    recording: { id: started.id, state: 'recording', started_at: iso(started.startedAt) },
  };
};

const stopRecording: Handler = (ctx) =>
  outcome(
    ctx.engine.stopRecording(ctx.client.membership!, optionalString(ctx.params, 'recording_id')),
  );

const listRecordings: Handler = (ctx) => ({
  ...OK,
  recordings: ctx.engine.recordingsOf(ctx.client.membership!).map((r) => ({
    id: r.id,
    state: r.stopping ? 'completed' : 'recording',
  })),
});

const startStream: Handler = (ctx) => {
  const url = requiredString(ctx.params, 'url');
  if (!/^rtmps?:\/\/[^\s]+$/i.test(url))
    return failed('422', 'url must be an rtmp:// or rtmps:// address');
  const started = ctx.engine.startStream(ctx.client.membership!, url);
  if (started instanceof ActionError) return outcome(started);
  return {
    ...OK,
    stream: { id: started.id, state: 'streaming', url, started_at: iso(started.startedAt) },
  };
};

const stopStream: Handler = (ctx) =>
  outcome(ctx.engine.stopStream(ctx.client.membership!, requiredString(ctx.params, 'stream_id')));

const listStreams: Handler = (ctx) => ({
  ...OK,
  streams: ctx.engine.streamsOf(ctx.client.membership!).map((s) => ({
    id: s.id,
    state: 'streaming',
    url: s.url,
    started_at: iso(s.startedAt),
  })),
});

const notYet =
  (what: string): Handler =>
  () =>
    failed('501', `${what} is not supported by this server yet`);

const empty =
  (key: string): Handler =>
  () => ({ ...OK, [key]: [] });

/** Every method the SDK's room session calls. */
export const METHODS: Record<string, Handler> = {
  'video.member.audio_mute': update({ audio_muted: true }),
  'video.member.audio_unmute': update({ audio_muted: false }),
  'video.member.video_mute': update({ video_muted: true }),
  'video.member.video_unmute': update({ video_muted: false }),
  'video.member.deaf': update({ deaf: true }),
  'video.member.undeaf': update({ deaf: false }),
  'video.member.remove': remove,
  'video.set_layout': (ctx) =>
    act(ctx, { type: 'layout.set', layout: requiredString(ctx.params, 'name') }),
  'video.lock': (ctx) => act(ctx, { type: 'session.lock', locked: true }),
  'video.unlock': (ctx) => act(ctx, { type: 'session.lock', locked: false }),
  'video.members.get': (ctx) => ({ ...OK, members: ctx.client.members() }),
  'video.list_available_layouts': (ctx) =>
    hasScope(ctx, 'room.list_available_layouts')
      ? { ...OK, layouts: [...VIDEO_LAYOUTS] }
      : failed('403', 'the token does not grant room.list_available_layouts'),
  'video.member.set_position': setMemberPosition,
  'video.set_position': setPositions,

  'video.recording.start': startRecording,
  'video.recording.pause': notYet('Pausing a recording'),
  'video.recording.resume': notYet('Pausing a recording'),
  'video.recording.stop': stopRecording,
  'video.recording.list': listRecordings,
  'video.playback.start': notYet('Playback'),
  'video.playback.pause': notYet('Playback'),
  'video.playback.resume': notYet('Playback'),
  'video.playback.stop': notYet('Playback'),
  'video.playback.set_volume': notYet('Playback'),
  'video.playback.seek_absolute': notYet('Playback'),
  'video.playback.seek_relative': notYet('Playback'),
  'video.playback.list': empty('playbacks'),
  'video.stream.start': startStream,
  'video.stream.stop': stopStream,
  'video.stream.list': listStreams,
  'video.get_meta': notYet('Room session meta'),
  'video.set_meta': notYet('Room session meta'),
  'video.update_meta': notYet('Room session meta'),
  'video.delete_meta': notYet('Room session meta'),
  'video.member.get_meta': notYet('Member meta'),
  'video.member.set_meta': notYet('Member meta'),
  'video.member.update_meta': notYet('Member meta'),
  'video.member.delete_meta': notYet('Member meta'),
  'video.member.raisehand': notYet('Raising hands'),
  'video.member.lowerhand': notYet('Raising hands'),
  'video.prioritize_handraise': notYet('Raising hands'),
  'video.member.set_input_volume': notYet('Volume control'),
  'video.member.set_output_volume': notYet('Volume control'),
  'video.member.set_input_sensitivity': notYet('Input sensitivity'),
  'video.hide_video_muted': notYet('Hiding video-muted members'),
  'video.show_video_muted': notYet('Hiding video-muted members'),
  'video.member.promote': notYet('Promoting audience members'),
  'video.member.demote': notYet('Demoting members'),
};
