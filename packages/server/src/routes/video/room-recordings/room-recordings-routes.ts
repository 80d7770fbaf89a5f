import {
  GetRoomRecordingQuery,
  IdParams,
  ListRoomRecordingEventsResponse,
  ListRoomRecordingsQuery,
  ListRoomRecordingsResponse,
  ListRoomSessionChildrenQuery,
  RoomRecording,
  type GetRoomRecordingQuery as GetQuery,
  type IdParams as IdParamsT,
  type ListRoomRecordingsQuery as ListQuery,
  type ListRoomSessionChildrenQuery as ChildrenQuery,
} from '@conclave/schema';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { HttpError } from '../../../http/errors.js';
import { requireUuid } from '../../../http/path-id.js';
import { errorResponses } from '../../../http/responses.js';
import { buildLinks, readPageParams } from '../../../pagination/pagination.js';
import { toRoomRecording } from './recording-wire.js';

const tags = ['Room Recordings'];

const URI =
  'Each `uri` is a link to the file served by Conclave, signed and valid for `media_ttl` seconds ' +
  '(0–604800, default 900); an expired or altered link answers 403.';

/** `/room_recordings`: recordings are made by the live-session engine; the API reads and deletes. */
export async function roomRecordingsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { store } = ctx;
  const base = `/api/video/room_recordings`;

  app.get<{ Querystring: ListQuery }>(
    '/room_recordings',
    {
      schema: {
        tags,
        operationId: 'list_room_recordings',
        summary: 'List room recordings',
        description: URI,
        querystring: ListRoomRecordingsQuery,
        response: { 200: ListRoomRecordingsResponse, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request) => {
      const q = request.query;
      const params = readPageParams(q);
      const page = await store.listRecordings(request.projectId, undefined, params.request);
      const data = await Promise.all(page.items.map((r) => toRoomRecording(ctx, r, q.media_ttl)));
      const links = buildLinks(
        `${ctx.config.publicUrl}${base}`,
        { media_ttl: q.media_ttl === undefined ? undefined : String(q.media_ttl) },
        params,
        page,
      );
      return { links, data };
    },
  );

  app.get<{ Params: IdParamsT; Querystring: GetQuery }>(
    '/room_recordings/:id',
    {
      schema: {
        tags,
        operationId: 'get_room_recording',
        summary: 'Get a room recording',
        description: URI,
        params: IdParams,
        querystring: GetRoomRecordingQuery,
        response: { 200: RoomRecording, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const id = requireUuid(request.params.id);
      const row = await store.getRecording(request.projectId, id);
      if (!row) throw new HttpError(404);
      return toRoomRecording(ctx, row, request.query.media_ttl);
    },
  );

  app.delete<{ Params: IdParamsT }>(
    '/room_recordings/:id',
    {
      schema: {
        tags,
        operationId: 'delete_room_recording',
        summary: 'Delete a room recording',
        description: 'Deletes the recording and its file; its links stop working at once.',
        params: IdParams,
        response: {
          204: { type: 'null', description: 'Deleted' },
          ...errorResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (request, reply) => {
      const id = requireUuid(request.params.id);
      const row = await store.deleteRecording(request.projectId, id);
      if (!row) throw new HttpError(404);
      // One in progress stops, and its file is thrown away once finished.
      ctx.outputs.recordingDeleted(id);
      if (row.storage_key !== null) await ctx.media.delete(row.storage_key);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: IdParamsT; Querystring: ChildrenQuery }>(
    '/room_recordings/:id/events',
    {
      schema: {
        tags,
        operationId: 'list_room_recording_events',
        summary: "List a room recording's events",
        params: IdParams,
        querystring: ListRoomSessionChildrenQuery,
        response: {
          200: ListRoomRecordingEventsResponse,
          ...errorResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (request) => {
      const params = readPageParams(request.query);
      const id = requireUuid(request.params.id);
      if (!(await store.getRecording(request.projectId, id))) throw new HttpError(404);
      const page = await store.listRecordingEvents(request.projectId, id, params.request);
      const links = buildLinks(`${ctx.config.publicUrl}${base}/${id}/events`, {}, params, page);
      return { links, data: page.items };
    },
  );
}
