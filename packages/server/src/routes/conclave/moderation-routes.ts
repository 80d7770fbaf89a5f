/**
 * Moderation of live sessions through Conclave's own API (`/conclave/v1/room_sessions/…`): end a
 * session, remove a member, mute or unmute one, start and stop recordings — what a moderator's
 * realtime frames do, with the project's API token as the authority. A session live on another
 * node is reached over the cluster bus (E198).
 */
import {
  LiveMember,
  LiveMemberParams,
  LiveRecordingParams,
  LiveSessionParams,
  RoomRecording,
  UpdateLiveMemberRequest,
  type LiveMemberParams as MemberParamsT,
  type LiveRecordingParams as RecordingParamsT,
  type LiveSessionParams as SessionParamsT,
  type UpdateLiveMemberRequest as UpdateBody,
} from '@conclave/schema';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../../context.js';
import { ConflictError, HttpError, problem, ValidationFailed } from '../../http/errors.js';
import { requireUuid } from '../../http/path-id.js';
import { errorResponses } from '../../http/responses.js';
import { OutputRefused } from '../../outputs/output-supervisor.js';
import { toRoomRecording } from '../video/room-recordings/recording-wire.js';
import type { ClusterAction, RemoteAnswer } from '../../cluster/cluster-bus.js';

const tags = ['Conclave'];
const OWN_API = 'Conclave’s own API, not SignalWire’s.';
const HOSTED =
  'A session live on another node is reached over the cluster bus (PostgreSQL NOTIFY or NATS; ' +
  'a 503 with Retry-After when that node does not answer; 409 `hosted_elsewhere` on a server ' +
  'without a bus). One that is not live (ended, unknown, another project’s) is a 404.';

export async function moderationRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { live, outputs } = ctx;

  /**
   * The session id of the path when the session is live here; otherwise a 409 (live on another
   * process) or a 404. The engine checks again when it acts (a 404 if it ended meanwhile).
   */
  const hostedHere = async (projectId: string, rawId: string): Promise<string> => {
    const id = requireUuid(rawId);
    if (live.hosts(projectId, id)) return id;
    if (await live.hostedElsewhere(projectId, id)) throw new ConflictError('hosted_elsewhere');
    throw new HttpError(404);
  };

  /**
   * Moderation reaches the session's node over the cluster bus (docs/several-nodes.md) when it is
   * live on another one: its answer once done there; undefined when the session is not live
   * elsewhere (then it is acted on here, or is a 404).
   */
  const doneOnHost = async (
    reply: FastifyReply,
    projectId: string,
    id: string,
    action: ClusterAction,
  ): Promise<RemoteAnswer | undefined> => {
    if (live.hosts(projectId, id)) return undefined;
    const answer = await ctx.cluster.actOnHost(projectId, id, action);
    if (answer === undefined || answer === 'no_bus') {
      // Live nowhere else (404), or live on a node this one cannot reach (no bus: 409).
      if (await live.hostedElsewhere(projectId, id)) throw new ConflictError('hosted_elsewhere');
      throw new HttpError(404);
    }
    if (answer.outcome === 'not_found') throw new HttpError(404);
    if (answer.outcome === 'not_publisher') throw new ConflictError('not_publisher');
    if (answer.outcome === 'not_recording') throw new ConflictError('not_recording');
    if (answer.outcome === 'recording_unavailable') {
      throw new ConflictError('recording_unavailable', answer.message);
    }
    if (answer.outcome !== 'done') {
      // Not recorded there, or its node did not answer in time (gone: its lease will end it).
      reply.header('Retry-After', '1');
      throw new HttpError(503);
    }
    return answer;
  };

  /** The engine's writes behind a change: a 503 when they could not be recorded. */
  const recorded = async (reply: FastifyReply, written: Promise<boolean>) => {
    if (!(await written)) {
      reply.header('Retry-After', '1');
      throw new HttpError(503);
    }
  };

  app.post<{ Params: SessionParamsT }>(
    '/room_sessions/:id/end',
    {
      schema: {
        tags,
        operationId: 'conclave_end_room_session',
        summary: 'End a live session now',
        description:
          `${OWN_API} Everyone in it is disconnected (realtime close 4422 \`session_ended\`) and ` +
          'the session is recorded as completed now, as when its conference is deleted — but ' +
          'the conference or room stays, and the next join starts a new session. ' +
          HOSTED,
        params: LiveSessionParams,
        response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const projectId = request.projectId;
      const sessionId = requireUuid(request.params.id);
      const action = { type: 'end_session', projectId, sessionId } as const;
      if (await doneOnHost(reply, projectId, sessionId, action)) return reply.code(204).send();
      const id = await hostedHere(request.projectId, request.params.id);
      const written = live.endSessionNow(request.projectId, id);
      if (!written) throw new HttpError(404);
      await recorded(reply, written);
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: MemberParamsT }>(
    '/room_sessions/:id/members/:member_id',
    {
      schema: {
        tags,
        operationId: 'conclave_remove_room_session_member',
        summary: 'Remove a member from a live session',
        description:
          `${OWN_API} As a moderator’s \`member.remove\`: the member’s connection is closed ` +
          '(4420 `removed`), the others get `member.left` with reason `removed`. ' +
          HOSTED,
        params: LiveMemberParams,
        response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const memberId = requireUuid(request.params.member_id);
      const projectId = request.projectId;
      const sessionId = requireUuid(request.params.id);
      const action = { type: 'remove_member', projectId, sessionId, memberId } as const;
      if (await doneOnHost(reply, projectId, sessionId, action)) return reply.code(204).send();
      const id = await hostedHere(request.projectId, request.params.id);
      const written = live.removeMember(request.projectId, id, memberId);
      if (!written) throw new HttpError(404);
      await recorded(reply, written);
      return reply.code(204).send();
    },
  );

  app.patch<{ Params: MemberParamsT; Body: UpdateBody }>(
    '/room_sessions/:id/members/:member_id',
    {
      schema: {
        tags,
        operationId: 'conclave_update_room_session_member',
        summary: 'Mute or unmute a member of a live session',
        description:
          `${OWN_API} At least one of \`audio_muted\` and \`video_muted\`; no other field. As a ` +
          'moderator’s `member.update`: the media follows at once and everyone gets ' +
          '`member.updated`. An audience member cannot be unmuted: 409 `not_publisher`. ' +
          HOSTED,
        params: LiveMemberParams,
        body: UpdateLiveMemberRequest,
        response: { 200: LiveMember, ...errorResponses(400, 401, 403, 404, 409, 413, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.audio_muted === undefined && body.video_muted === undefined) {
        throw new ValidationFailed([
          problem('missing_required_parameter', null, 'audio_muted or video_muted is required'),
        ]);
      }
      const memberId = requireUuid(request.params.member_id);
      const projectId = request.projectId;
      const sessionId = requireUuid(request.params.id);
      const update = {
        ...(body.audio_muted !== undefined ? { audio_muted: body.audio_muted } : {}),
        ...(body.video_muted !== undefined ? { video_muted: body.video_muted } : {}),
      };
      const action = { type: 'update_member', projectId, sessionId, memberId, update } as const;
      const remote = await doneOnHost(reply, projectId, sessionId, action);
      if (remote) return remote.member as LiveMember;
      const id = await hostedHere(request.projectId, request.params.id);
      const outcome = live.updateMember(request.projectId, id, memberId, body);
      if (outcome === 'not_found') throw new HttpError(404);
      if (outcome === 'not_publisher') throw new ConflictError('not_publisher');
      await recorded(reply, outcome.written);
      return outcome.member;
    },
  );

  app.post<{ Params: SessionParamsT }>(
    '/room_sessions/:id/recordings',
    {
      schema: {
        tags,
        operationId: 'conclave_start_room_session_recording',
        summary: 'Start recording a live session',
        description:
          `${OWN_API} As a moderator’s \`recording.start\`: a WebM file of the featured ` +
          'member’s camera and everyone’s audio, until it is stopped or the session ends. ' +
          'Answers the recording as `GET /api/video/room_recordings/{id}` shows it (`status` ' +
          '`recording`); its `recording.started` event has `by: null`. A session may have ' +
          'several recordings at once. A server that cannot record (no ffmpeg, or ' +
          '`CONCLAVE_MEDIA=off`) answers 409 `recording_unavailable`, the message saying why. ' +
          HOSTED,
        params: LiveSessionParams,
        response: { 201: RoomRecording, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const projectId = request.projectId;
      const sessionId = requireUuid(request.params.id);
      const action = { type: 'start_recording', projectId, sessionId } as const;
      const remote = await doneOnHost(reply, projectId, sessionId, action);
      let recordingId = remote?.recordingId;
      if (recordingId === undefined) {
        const id = await hostedHere(projectId, sessionId);
        try {
          recordingId = (await outputs.startRecording(projectId, id, null)).id;
        } catch (error) {
          if (!(error instanceof OutputRefused)) throw error;
          if (error.reason === 'unavailable') {
            throw new ConflictError('recording_unavailable', error.message);
          }
          if (error.reason === 'ended') throw new HttpError(404);
          reply.header('Retry-After', '1');
          throw new HttpError(503);
        }
      }
      const row = await ctx.store.getRecording(projectId, recordingId);
      if (!row) throw new HttpError(404); // deleted at once by another request
      return reply.code(201).send(await toRoomRecording(ctx, row, undefined));
    },
  );

  const STOPPED =
    'Its row turns `processing` while ffmpeg finishes the file, then `completed` (`GET ' +
    '/api/video/room_recordings/{id}`); the session goes on. ';

  app.post<{ Params: SessionParamsT }>(
    '/room_sessions/:id/recordings/stop',
    {
      schema: {
        tags,
        operationId: 'conclave_stop_room_session_recordings',
        summary: 'Stop every recording of a live session',
        description:
          `${OWN_API} As a moderator’s \`recording.stop\` without \`recording_id\`: every ` +
          `recording of the session in progress stops. ${STOPPED}None in progress: 409 ` +
          '`not_recording`. ' +
          HOSTED,
        params: LiveSessionParams,
        response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const projectId = request.projectId;
      const sessionId = requireUuid(request.params.id);
      const action = { type: 'stop_recordings', projectId, sessionId } as const;
      if (await doneOnHost(reply, projectId, sessionId, action)) return reply.code(204).send();
      const id = await hostedHere(projectId, sessionId);
      if (!outputs.stopRecording(projectId, id)) throw new ConflictError('not_recording');
      return reply.code(204).send();
    },
  );

  app.post<{ Params: RecordingParamsT }>(
    '/room_sessions/:id/recordings/:recording_id/stop',
    {
      schema: {
        tags,
        operationId: 'conclave_stop_room_session_recording',
        summary: 'Stop one recording of a live session',
        description:
          `${OWN_API} As a moderator’s \`recording.stop\` with \`recording_id\`. ${STOPPED}` +
          'A recording that is not in progress in this session (unknown, already stopped) is a ' +
          '404. ' +
          HOSTED,
        params: LiveRecordingParams,
        response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const recordingId = requireUuid(request.params.recording_id);
      const projectId = request.projectId;
      const sessionId = requireUuid(request.params.id);
      const action = { type: 'stop_recordings', projectId, sessionId, recordingId } as const;
      if (await doneOnHost(reply, projectId, sessionId, action)) return reply.code(204).send();
      const id = await hostedHere(projectId, sessionId);
      if (!outputs.stopRecording(projectId, id, recordingId)) throw new HttpError(404);
      return reply.code(204).send();
    },
  );
}
