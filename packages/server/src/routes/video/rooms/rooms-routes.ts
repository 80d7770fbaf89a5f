import {
  CreateRoomRequest,
  GetRoomQuery,
  ListRoomsQuery,
  ListRoomsResponse,
  Room,
  ROOM_FPS,
  RoomPathParams,
  UpdateRoomRequest,
  type CreateRoomRequest as CreateBody,
  type GetRoomQuery as GetQuery,
  type ListRoomsQuery as ListQuery,
  type Room as RoomT,
  type RoomPathParams as RoomPathParamsT,
  type UpdateRoomRequest as UpdateBody,
} from '@conclave/schema';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { HttpError, problem, ValidationFailed } from '../../../http/errors.js';
import { requireUuid } from '../../../http/path-id.js';
import { errorResponses } from '../../../http/responses.js';
import { isUuid, newOrderedId } from '../../../lib/ids.js';
import { parseDateTimeFilter } from '../../../lib/time.js';
import { buildLinks, readPageParams } from '../../../pagination/pagination.js';
import { NameTakenError, type Store } from '../../../store/store.js';
import { roomFieldsFromCreate, roomFieldsFromUpdate } from './room-input.js';

const tags = ['Rooms'];

async function withActiveSessions(
  store: Store,
  projectId: string,
  rooms: RoomT[],
): Promise<RoomT[]> {
  const sessions = await store.activeRoomSessions(
    projectId,
    rooms.map((r) => r.id),
  );
  if (sessions.size === 0) return rooms;
  return rooms.map((r) => {
    const session = sessions.get(r.id);
    return session ? { ...r, active_session: session } : r;
  });
}

/**
 * `/rooms`. A conference's backing room (whose id is the conference's) is not a room here: it is
 * not listed and `/rooms/{conference id}` is a 404 (docs/decisions.md, Rooms).
 */
export async function roomsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { store } = ctx;

  app.get<{ Querystring: ListQuery }>(
    '/rooms',
    {
      schema: {
        tags,
        operationId: 'list_rooms',
        summary: 'List rooms',
        querystring: ListRoomsQuery,
        response: { 200: ListRoomsResponse, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request) => {
      const q = request.query;
      const params = readPageParams(q);
      const filters = {
        startsAfter: q.starts_after === undefined ? undefined : parseDateTimeFilter(q.starts_after),
        endsBefore: q.ends_before === undefined ? undefined : parseDateTimeFilter(q.ends_before),
      };
      const page = await store.listRooms(request.projectId, filters, params.request);
      const data = q.include_active_session
        ? await withActiveSessions(store, request.projectId, page.items)
        : page.items;
      const links = buildLinks(
        `${ctx.config.publicUrl}/api/video/rooms`,
        {
          ends_before: q.ends_before,
          include_active_session:
            q.include_active_session === undefined ? undefined : String(q.include_active_session),
          starts_after: q.starts_after,
        },
        params,
        page,
      );
      return { links, data };
    },
  );

  app.post<{ Body: CreateBody }>(
    '/rooms',
    {
      schema: {
        tags,
        operationId: 'create_room',
        summary: 'Create a room',
        body: CreateRoomRequest,
        response: { 200: Room, ...errorResponses(400, 401, 403, 413, 422) },
      },
    },
    async (request) => {
      const fields = roomFieldsFromCreate(request.body);
      try {
        const record = await store.createRoom(request.projectId, {
          ...fields,
          id: newOrderedId(),
          name: request.body.name,
          fps: ROOM_FPS,
          createdAt: ctx.now(),
        });
        return record.wire;
      } catch (error) {
        if (!(error instanceof NameTakenError)) throw error;
        throw new ValidationFailed([
          problem(
            'not_unique_within_project',
            'name',
            'name has already been taken in this project',
          ),
        ]);
      }
    },
  );

  app.get<{ Params: RoomPathParamsT; Querystring: GetQuery }>(
    '/rooms/:id',
    {
      schema: {
        tags,
        operationId: 'get_room',
        summary: 'Get a room by id or by name',
        description:
          'The official `get_room` (`/rooms/{id}`) and `get_room_by_name` (`/rooms/{name}`) in ' +
          'one route: a UUID segment is a room id, anything else a room name. A UUID that is no ' +
          "room's id is also tried as a name.",
        params: RoomPathParams,
        querystring: GetRoomQuery,
        response: { 200: Room, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const segment = request.params.id;
      const { projectId } = request;
      const record =
        (isUuid(segment) ? await store.getRoom(projectId, segment.toLowerCase()) : undefined) ??
        (await store.getRoomByName(projectId, segment));
      if (!record) throw new HttpError(404);
      if (!request.query.include_active_session) return record.wire;
      const [withSession] = await withActiveSessions(store, projectId, [record.wire]);
      return withSession;
    },
  );

  app.put<{ Params: RoomPathParamsT; Body: UpdateBody }>(
    '/rooms/:id',
    {
      schema: {
        tags,
        operationId: 'update_room',
        summary: 'Update a room',
        description: 'Fields left out keep their values; `name` cannot change.',
        params: RoomPathParams,
        body: UpdateRoomRequest,
        response: { 200: Room, ...errorResponses(400, 401, 403, 404, 413, 422) },
      },
    },
    async (request) => {
      const id = requireUuid(request.params.id);
      const updated = await store.updateRoom(
        request.projectId,
        id,
        (current) => roomFieldsFromUpdate(current, request.body),
        ctx.now(),
      );
      if (!updated) throw new HttpError(404);
      return updated.wire;
    },
  );

  app.delete<{ Params: RoomPathParamsT }>(
    '/rooms/:id',
    {
      schema: {
        tags,
        operationId: 'delete_room',
        summary: 'Delete a room',
        description: 'Its streams go with it; its past sessions stay readable.',
        params: RoomPathParams,
        response: {
          204: { type: 'null', description: 'Deleted' },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const id = requireUuid(request.params.id);
      if (!(await store.deleteRoom(request.projectId, id, ctx.now()))) throw new HttpError(404);
      ctx.live.endFor(request.projectId, 'room', id);
      return reply.code(204).send();
    },
  );
}
