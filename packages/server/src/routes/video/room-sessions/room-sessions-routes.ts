import {
  IdParams,
  ListRoomRecordingsQuery,
  ListRoomRecordingsResponse,
  ListRoomSessionChildrenQuery,
  ListRoomSessionEventsResponse,
  ListRoomSessionMembersResponse,
  ListRoomSessionsQuery,
  ListRoomSessionsResponse,
  RoomSessionSummary,
  type IdParams as IdParamsT,
  type ListRoomRecordingsQuery as RecordingsQuery,
  type ListRoomSessionChildrenQuery as ChildrenQuery,
  type ListRoomSessionsQuery as ListQuery,
} from '@conclave/schema';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { HttpError } from '../../../http/errors.js';
import { requireUuid } from '../../../http/path-id.js';
import { errorResponses } from '../../../http/responses.js';
import { buildLinks, readPageParams } from '../../../pagination/pagination.js';
import { toRoomSessionSummary } from './session-rows.js';
import { toRoomRecording } from '../room-recordings/recording-wire.js';

const tags = ['Room Sessions'];

const WRITTEN_BY_ENGINE =
  'Sessions, their members and events are written by the live-session engine; this API reads them.';

/**
 * `/room_sessions`: read-only views of sessions of rooms and conferences. An unknown, non-UUID or
 * other project's session is a 404 on every sub-list (D7), also where the spec declares none.
 */
export async function roomSessionsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { store } = ctx;
  const base = `/api/video/room_sessions`;

  /** The session id of the path, when the session exists in the caller's project. */
  const sessionOf = async (projectId: string, rawId: string) => {
    const id = requireUuid(rawId);
    if (!(await store.getRoomSession(projectId, id))) throw new HttpError(404);
    return id;
  };

  app.get<{ Querystring: ListQuery }>(
    '/room_sessions',
    {
      schema: {
        tags,
        operationId: 'list_room_sessions',
        summary: 'List room sessions',
        description:
          `${WRITTEN_BY_ENGINE} \`room_name\` matches the name exactly; \`room_name_matches\` ` +
          'is a substring in any letter case (`%` and `_` match themselves).',
        querystring: ListRoomSessionsQuery,
        response: { 200: ListRoomSessionsResponse, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request) => {
      const q = request.query;
      const params = readPageParams(q);
      const page = await store.listRoomSessions(
        request.projectId,
        {
          roomId: q.room_id?.toLowerCase(),
          roomName: q.room_name,
          roomNameMatches: q.room_name_matches,
          status: q.status,
        },
        params.request,
      );
      const links = buildLinks(
        `${ctx.config.publicUrl}${base}`,
        {
          room_id: q.room_id,
          room_name: q.room_name,
          room_name_matches: q.room_name_matches,
          status: q.status,
        },
        params,
        page,
      );
      return { links, data: page.items };
    },
  );

  app.get<{ Params: IdParamsT }>(
    '/room_sessions/:id',
    {
      schema: {
        tags,
        operationId: 'get_room_session',
        summary: 'Get a room session',
        description: `${WRITTEN_BY_ENGINE} The list item without its list-only fields.`,
        params: IdParams,
        response: { 200: RoomSessionSummary, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const id = requireUuid(request.params.id);
      const session = await store.getRoomSession(request.projectId, id);
      if (!session) throw new HttpError(404);
      return toRoomSessionSummary(session);
    },
  );

  app.get<{ Params: IdParamsT; Querystring: ChildrenQuery }>(
    '/room_sessions/:id/members',
    {
      schema: {
        tags,
        operationId: 'list_room_session_members',
        summary: "List a room session's members",
        description: WRITTEN_BY_ENGINE,
        params: IdParams,
        querystring: ListRoomSessionChildrenQuery,
        response: {
          200: ListRoomSessionMembersResponse,
          ...errorResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (request) => {
      const params = readPageParams(request.query);
      const id = await sessionOf(request.projectId, request.params.id);
      const page = await store.listRoomSessionMembers(request.projectId, id, params.request);
      const links = buildLinks(`${ctx.config.publicUrl}${base}/${id}/members`, {}, params, page);
      return { links, data: page.items };
    },
  );

  app.get<{ Params: IdParamsT; Querystring: ChildrenQuery }>(
    '/room_sessions/:id/events',
    {
      schema: {
        tags,
        operationId: 'list_room_session_events',
        summary: "List a room session's events",
        description: WRITTEN_BY_ENGINE,
        params: IdParams,
        querystring: ListRoomSessionChildrenQuery,
        response: {
          200: ListRoomSessionEventsResponse,
          ...errorResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (request) => {
      const params = readPageParams(request.query);
      const id = await sessionOf(request.projectId, request.params.id);
      const page = await store.listRoomSessionEvents(request.projectId, id, params.request);
      const links = buildLinks(`${ctx.config.publicUrl}${base}/${id}/events`, {}, params, page);
      return { links, data: page.items };
    },
  );

  app.get<{ Params: IdParamsT; Querystring: RecordingsQuery }>(
    '/room_sessions/:id/recordings',
    {
      schema: {
        tags,
        operationId: 'list_room_session_recordings',
        summary: "List a room session's recordings",
        description:
          'Each `uri` is a signed link to the file, valid for `media_ttl` seconds (default 900).',
        params: IdParams,
        querystring: ListRoomRecordingsQuery,
        response: { 200: ListRoomRecordingsResponse, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const q = request.query;
      const params = readPageParams(q);
      const id = await sessionOf(request.projectId, request.params.id);
      const page = await store.listRecordings(request.projectId, id, params.request);
      const data = await Promise.all(page.items.map((r) => toRoomRecording(ctx, r, q.media_ttl)));
      const links = buildLinks(
        `${ctx.config.publicUrl}${base}/${id}/recordings`,
        { media_ttl: q.media_ttl === undefined ? undefined : String(q.media_ttl) },
        params,
        page,
      );
      return { links, data };
    },
  );
}
