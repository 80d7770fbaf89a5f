/**
 * A type-level test of the public surface: this file runs nothing; `npm test` typechecks it
 * (tsconfig.check.json), so a change to a signature or a model fails the build. Every
 * `@ts-expect-error` line must stay an error.
 */
/* eslint-disable @typescript-eslint/no-unused-vars -- values here exist to be read with `typeof` */
import type * as Schema from '@conclave/schema';
import type { Static } from '@sinclair/typebox';
import {
  AdminClient,
  ApiError,
  Conclave,
  ConclaveError,
  ConflictError,
  RealtimeClosedError,
  RealtimeError,
  RealtimeSession,
  RestClient,
  UnprocessableEntityError,
  joinRealtime,
  joinUrl,
  type ApiToken,
  type Conference,
  type ConferenceToken,
  type CreatedApiToken,
  type CreateConferenceRequest,
  type FetchLike,
  type ListConferencesQuery,
  type Page,
  type PagePromise,
  type Project,
  type RequestOptions,
  type Room,
  type RoomRecording,
  type RoomSession,
  type RoomSessionEvent,
  type RoomSessionMember,
  type RoomSessionSummary,
  type RoomTokenKeyRotation,
  type RoomTokenResponse,
  type Stream,
  type CreateRoomRequest,
  type CreateRoomTokenRequest,
  type CreateStreamRequest,
  type ListRoomsQuery,
  type UpdateRoomRequest,
  type UpdateStreamRequest,
  type UpdateConferenceRequest,
  type ValidationErrorItem,
  type VideoLog,
  type ListVideoLogsQuery,
  type RealtimeRefusal,
  type LiveFeedEvent,
  type LiveFeedSession,
  type LiveSessionEndReason,
  type StopRecordingParams,
  type UpdateLiveMemberParams,
} from '@conclave/sdk';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<_T extends true>(): void {}

// Models and params are the schema's own types, not copies.
expectType<Equal<Conference, Static<typeof Schema.Conference>>>();
expectType<Equal<ConferenceToken, Static<typeof Schema.ConferenceToken>>>();
expectType<Equal<CreateConferenceRequest, Static<typeof Schema.CreateConferenceRequest>>>();
expectType<Equal<UpdateConferenceRequest, Static<typeof Schema.UpdateConferenceRequest>>>();
expectType<Equal<ListConferencesQuery, Static<typeof Schema.ListConferencesQuery>>>();
expectType<Equal<ValidationErrorItem, Static<typeof Schema.ValidationErrorItem>>>();
expectType<Equal<Project, Static<typeof Schema.Project>>>();
expectType<Equal<Room, Static<typeof Schema.Room>>>();
expectType<Equal<CreateRoomRequest, Static<typeof Schema.CreateRoomRequest>>>();
expectType<Equal<UpdateRoomRequest, Static<typeof Schema.UpdateRoomRequest>>>();
expectType<Equal<ListRoomsQuery, Static<typeof Schema.ListRoomsQuery>>>();
expectType<Equal<CreateRoomTokenRequest, Static<typeof Schema.CreateRoomTokenRequest>>>();
expectType<Equal<RoomTokenResponse, Static<typeof Schema.RoomTokenResponse>>>();
expectType<Equal<RoomTokenKeyRotation, Static<typeof Schema.RoomTokenKeyRotation>>>();
expectType<Equal<Stream, Static<typeof Schema.Stream>>>();
expectType<Equal<RoomSession, Static<typeof Schema.RoomSession>>>();
expectType<Equal<RoomSessionSummary, Static<typeof Schema.RoomSessionSummary>>>();
expectType<Equal<RoomSessionMember, Static<typeof Schema.RoomSessionMember>>>();
expectType<Equal<RoomSessionEvent, Static<typeof Schema.RoomSessionEvent>>>();
expectType<Equal<RoomRecording, Static<typeof Schema.RoomRecording>>>();
expectType<Equal<CreateStreamRequest, Static<typeof Schema.CreateStreamRequest>>>();
expectType<Equal<UpdateStreamRequest, Static<typeof Schema.UpdateStreamRequest>>>();

declare const client: RestClient;
declare const admin: AdminClient;
declare const options: RequestOptions;
const conferences = client.video.conferences;
const tokens = client.video.conferenceTokens;

// The official SDK's method names, with typed results.
expectType<Equal<ReturnType<typeof conferences.list>, PagePromise<Conference>>>();
expectType<Equal<ReturnType<typeof conferences.create>, Promise<Conference>>>();
expectType<Equal<ReturnType<typeof conferences.get>, Promise<Conference>>>();
expectType<Equal<ReturnType<typeof conferences.update>, Promise<Conference>>>();
expectType<Equal<ReturnType<typeof conferences.delete>, Promise<void>>>();
expectType<
  Equal<ReturnType<typeof conferences.listConferenceTokens>, PagePromise<ConferenceToken>>
>();
expectType<Equal<ReturnType<typeof tokens.get>, Promise<ConferenceToken>>>();
expectType<Equal<ReturnType<typeof tokens.reset>, Promise<ConferenceToken>>>();
expectType<Equal<ReturnType<typeof conferences.listStreams>, PagePromise<Stream>>>();
expectType<Equal<ReturnType<typeof conferences.createStream>, Promise<Stream>>>();
const rooms = client.video.rooms;
const streams = client.video.streams;
expectType<Equal<ReturnType<typeof rooms.list>, PagePromise<Room>>>();
expectType<Equal<ReturnType<typeof rooms.create>, Promise<Room>>>();
expectType<Equal<ReturnType<typeof rooms.get>, Promise<Room>>>();
expectType<Equal<ReturnType<typeof rooms.update>, Promise<Room>>>();
expectType<Equal<ReturnType<typeof rooms.delete>, Promise<void>>>();
expectType<Equal<ReturnType<typeof rooms.listStreams>, PagePromise<Stream>>>();
expectType<Equal<ReturnType<typeof rooms.createStream>, Promise<Stream>>>();
expectType<Equal<ReturnType<typeof client.video.roomTokens.create>, Promise<RoomTokenResponse>>>();
const sessions = client.video.roomSessions;
const recordings = client.video.roomRecordings;
expectType<Equal<ReturnType<typeof sessions.list>, PagePromise<RoomSession>>>();
expectType<Equal<ReturnType<typeof sessions.get>, Promise<RoomSessionSummary>>>();
expectType<Equal<ReturnType<typeof sessions.listMembers>, PagePromise<RoomSessionMember>>>();
expectType<Equal<ReturnType<typeof sessions.listEvents>, PagePromise<RoomSessionEvent>>>();
expectType<Equal<ReturnType<typeof sessions.listRecordings>, PagePromise<RoomRecording>>>();
expectType<Equal<ReturnType<typeof recordings.list>, PagePromise<RoomRecording>>>();
expectType<Equal<ReturnType<typeof recordings.get>, Promise<RoomRecording>>>();
expectType<Equal<ReturnType<typeof recordings.delete>, Promise<void>>>();
expectType<Equal<ReturnType<typeof recordings.listEvents>, PagePromise<RoomSessionEvent>>>();
expectType<Equal<VideoLog, Static<typeof Schema.VideoLog>>>();
expectType<Equal<ListVideoLogsQuery, Static<typeof Schema.ListVideoLogsQuery>>>();
expectType<Equal<ReturnType<typeof client.video.logs.list>, PagePromise<VideoLog>>>();
expectType<Equal<ReturnType<typeof client.video.logs.get>, Promise<VideoLog>>>();
expectType<Equal<ReturnType<typeof streams.get>, Promise<Stream>>>();
expectType<Equal<ReturnType<typeof streams.update>, Promise<Stream>>>();
expectType<Equal<ReturnType<typeof streams.delete>, Promise<void>>>();
expectType<Equal<ReturnType<typeof admin.rotateRoomTokenSecret>, Promise<RoomTokenKeyRotation>>>();
expectType<Equal<ReturnType<typeof admin.projects.create>, Promise<Project>>>();
expectType<Equal<ReturnType<typeof admin.projects.list>, PagePromise<Project>>>();
expectType<Equal<ReturnType<typeof admin.apiTokens.create>, Promise<CreatedApiToken>>>();
expectType<Equal<ReturnType<typeof admin.apiTokens.list>, PagePromise<ApiToken>>>();
expectType<Equal<ReturnType<typeof admin.apiTokens.revoke>, Promise<void>>>();

export async function pages(): Promise<void> {
  // `await` gives a page; `for await` gives items; a page promise is a promise.
  const page = await conferences.list({ starts_after: '2025-01-01', page_size: 10 }, options);
  expectType<Equal<typeof page, Page<Conference>>>();
  expectType<Equal<typeof page.data, Conference[]>>();
  expectType<Equal<typeof page.links.next, string | undefined>>();
  expectType<Equal<ReturnType<typeof page.getNextPage>, Promise<Page<Conference>>>>();
  expectType<Equal<ReturnType<typeof page.hasNextPage>, boolean>>();
  const asPromise: Promise<Page<Conference>> = conferences.list();
  void asPromise;
  for await (const conference of conferences.list()) {
    expectType<Equal<typeof conference, Conference>>();
  }
  for await (const p of conferences.list().iterPages()) {
    expectType<Equal<typeof p, Page<Conference>>>();
  }
}

export async function misuse(): Promise<void> {
  // @ts-expect-error display_name is required on create
  await conferences.create({ name: 'no-display-name' });
  // @ts-expect-error quality is one of the schema's values
  await conferences.create({ display_name: 'x', quality: '4k' });
  // @ts-expect-error display_name is required on update (PUT)
  await conferences.update('id', { size: 'large' });
  // @ts-expect-error page_size is a number
  conferences.list({ page_size: '10' });
  // @ts-expect-error include_active_session is a boolean
  await conferences.get('id', { include_active_session: 'yes' });
  // @ts-expect-error request options come last and are typed
  await conferences.get('id', {}, { timeout: '5s' });
  // @ts-expect-error conference tokens have no update
  await tokens.update('id', {});
  // @ts-expect-error name is required on a room create
  await rooms.create({ display_name: 'no name' });
  // @ts-expect-error max_members is a number
  await rooms.update('id', { max_members: '10' });
  // @ts-expect-error permissions come from the schema's enum
  await client.video.roomTokens.create({ room_name: 'r', permissions: ['room.fly'] });
  // @ts-expect-error room_name is required
  await client.video.roomTokens.create({ user_name: 'Ada' });
  // @ts-expect-error a stream needs a url
  await rooms.createStream('id', {});
  // @ts-expect-error a stream's update needs a url
  await streams.update('id', {});
  // @ts-expect-error status is in-progress or completed
  sessions.list({ status: 'running' });
  // @ts-expect-error media_ttl is a number of seconds
  await recordings.get('id', { media_ttl: '1h' });
  // @ts-expect-error sessions are read-only
  await sessions.delete('id');
  // @ts-expect-error streams are created through a room or a conference
  await streams.create({ url: 'rtmp://x/y' });
}

export function errors(error: unknown): void {
  if (error instanceof UnprocessableEntityError) {
    expectType<Equal<typeof error.errors, ValidationErrorItem[]>>();
  }
  if (error instanceof ApiError) {
    expectType<Equal<typeof error.status, number>>();
    expectType<Equal<typeof error.requestId, string | undefined>>();
    expectType<Equal<typeof error.body, unknown>>();
    expectType<Equal<typeof error.headers, Headers>>();
  }
  if (error instanceof ConclaveError) {
    expectType<Equal<typeof error.statusCode, number | null>>();
  }
}

export function links(): void {
  expectType<Equal<ReturnType<typeof joinUrl>, string>>();
  joinUrl('https://video.example.com', 'vpt_x', { name: 'Ada' });
  // @ts-expect-error the name is a string
  joinUrl('https://video.example.com', 'vpt_x', { name: 1 });
}

export function construction(fetchImpl: FetchLike): void {
  new RestClient();
  new RestClient({ project: 'p', token: 't', host: 'h', fetch: fetchImpl, maxRetries: 0 });
  new RestClient({ fetchImpl, timeout: 5_000, defaultHeaders: { 'x-team': 'video' } });
  new AdminClient({ url: 'http://127.0.0.1:8080', adminToken: 'x' });
  // @ts-expect-error timeout is in milliseconds, a number
  new RestClient({ timeout: '30s' });
}

// The realtime client: typed events carry the protocol's own message types.
export async function realtimeSurface(): Promise<void> {
  const live = await joinRealtime({ url: 'http://127.0.0.1:8080', token: 'vpt_x' });
  expectType<Equal<typeof live, RealtimeSession>>();
  expectType<Equal<ReturnType<typeof client.video.realtime.join>, Promise<RealtimeSession>>>();
  expectType<Equal<typeof live.session, Schema.LiveSession>>();
  expectType<Equal<typeof live.session.colors.dark_primary, string | null>>();
  expectType<Equal<typeof live.resumeToken, string>>();
  expectType<Equal<typeof live.resumed, boolean>>();
  await joinRealtime({
    url: 'http://127.0.0.1:8080',
    token: 'vpt_x',
    resumeToken: live.resumeToken,
  });
  expectType<Equal<typeof live.member, Schema.LiveMember>>();
  expectType<Equal<ReturnType<typeof live.signal>, Promise<void>>>();
  expectType<Equal<ReturnType<typeof live.leave>, Promise<void>>>();
  live.on('member.joined', (event) => {
    expectType<Equal<typeof event.member, Schema.LiveMember>>();
  });
  live.on('signal', (event) => {
    expectType<Equal<typeof event.from, string>>();
  });
  live.on('closed', (event) => {
    expectType<Equal<typeof event.code, number>>();
  });
  try {
    await live.chat('hi');
  } catch (error) {
    if (error instanceof RealtimeError) {
      expectType<Equal<typeof error.code, Schema.RealtimeErrorCode>>();
    }
    if (error instanceof RealtimeClosedError) {
      expectType<Equal<typeof error.code, number>>();
      expectType<Equal<typeof error.refusal, RealtimeRefusal | undefined>>();
      expectType<Equal<NonNullable<typeof error.refusal>['joinFrom'], string | undefined>>();
    }
  }
  // @ts-expect-error not an event of the protocol
  live.on('member.exploded', () => {});
  // @ts-expect-error a chat is text
  await live.chat(42);
}

// Conclave's own API: the live feed's events are the schema's; moderation with typed results.
export async function conclaveSurface(signal: AbortSignal): Promise<void> {
  const conclave = client.conclave;
  expectType<Equal<typeof conclave, Conclave>>();
  expectType<Equal<ReturnType<typeof conclave.live>, AsyncIterable<LiveFeedEvent>>>();
  expectType<Equal<LiveFeedEvent, Schema.LiveFeedEvent>>();
  expectType<Equal<LiveFeedSession, Static<typeof Schema.LiveFeedSession>>>();
  expectType<Equal<ReturnType<typeof conclave.endSession>, Promise<void>>>();
  expectType<Equal<ReturnType<typeof conclave.removeMember>, Promise<void>>>();
  expectType<Equal<ReturnType<typeof conclave.updateMember>, Promise<Schema.LiveMember>>>();
  for await (const event of conclave.live({ signal, idleTimeout: 0 })) {
    if (event.type === 'snapshot') {
      expectType<Equal<typeof event.sessions, LiveFeedSession[]>>();
    } else {
      expectType<Equal<typeof event.session_id, string>>();
    }
    if (event.type === 'member.left') {
      expectType<Equal<typeof event.reason, 'left' | 'disconnected' | 'removed' | 'time_up'>>();
    }
    if (event.type === 'session.ended') {
      expectType<Equal<typeof event.reason, LiveSessionEndReason>>();
    }
  }
  const params: UpdateLiveMemberParams = { audioMuted: true };
  await conclave.updateMember('s', 'm', params);
  const recording = await conclave.startRecording('s');
  expectType<Equal<typeof recording, Schema.RoomRecording>>();
  const stop: StopRecordingParams = { recordingId: recording.id };
  expectType<Equal<Awaited<ReturnType<typeof conclave.stopRecording>>, void>>();
  await conclave.stopRecording('s', stop);
  await conclave.stopRecording('s');
  try {
    await conclave.endSession('s');
  } catch (error) {
    if (error instanceof ConflictError) {
      expectType<Equal<typeof error.code, Schema.ConflictCode | undefined>>();
      expectType<ConflictError extends ApiError ? true : false>();
    }
  }
  // @ts-expect-error the SDK's parameters are camelCase
  await conclave.updateMember('s', 'm', { audio_muted: true });
  // @ts-expect-error deaf is not changed through the API
  await conclave.updateMember('s', 'm', { deaf: true });
  // @ts-expect-error the feed takes options, not a token
  conclave.live('PT…');
}
