import {
  CreateStreamRequest,
  IdParams,
  ListStreamsQuery,
  ListStreamsResponse,
  MAX_STREAMS_PER_ROOM,
  Stream,
  UpdateStreamRequest,
  type CreateStreamRequest as CreateBody,
  type IdParams as IdParamsT,
  type ListStreamsQuery as ListQuery,
  type UpdateStreamRequest as UpdateBody,
} from '@conclave/schema';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { HttpError, problem, ValidationFailed } from '../../../http/errors.js';
import { requireUuid } from '../../../http/path-id.js';
import { errorResponses } from '../../../http/responses.js';
import { newId } from '../../../lib/ids.js';
import { buildLinks, readPageParams } from '../../../pagination/pagination.js';
import { StreamLimitError, type StreamOwner } from '../../../store/store.js';

const tags = ['Streams'];

const NOT_SENT =
  "Conclave pushes the stream (H.264 + AAC) while its room's or conference's session is live, " +
  'retrying a failing destination with backoff: `width`, `height` and `fps` describe it while it ' +
  'runs and are null otherwise. `stream_type` is the URL scheme.';

/**
 * The stream's address and type (its scheme, lower case). The schema has checked the scheme; an
 * address must also parse as a URL with a host.
 */
function readUrl(url: string): { url: string; streamType: string } {
  let host = '';
  try {
    host = new URL(url).host;
  } catch {
    host = '';
  }
  if (host === '') {
    throw new ValidationFailed([
      problem('invalid_parameter', 'url', 'url must be an rtmp:// or rtmps:// address with a host'),
    ]);
  }
  return { url, streamType: url.slice(0, url.indexOf('://')).toLowerCase() };
}

/**
 * Streams of conferences and rooms, and `/streams/{id}`. A conference's streams belong to its
 * backing room, whose id is the conference's. An unknown conference or room is a 404 (D7), also
 * where the spec declares none.
 */
export async function streamsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { store } = ctx;

  const owners = [
    {
      kind: 'conference',
      path: '/conferences/:id/streams',
      list: 'list_conference_streams',
      create: 'create_conference_stream',
      noun: 'conference',
      created: 200,
    },
    {
      kind: 'room',
      path: '/rooms/:id/streams',
      list: 'list_room_streams',
      create: 'create_room_stream',
      noun: 'room',
      created: 201,
    },
  ] as const;

  for (const owner of owners) {
    const exists = async (projectId: string, id: string) =>
      owner.kind === 'room'
        ? (await store.getRoom(projectId, id)) !== undefined
        : (await store.getConference(projectId, id)) !== undefined;

    app.get<{ Params: IdParamsT; Querystring: ListQuery }>(
      owner.path,
      {
        schema: {
          tags,
          operationId: owner.list,
          summary: `List a ${owner.noun}'s streams`,
          description: `${NOT_SENT} Paged like every list.`,
          params: IdParams,
          querystring: ListStreamsQuery,
          response: { 200: ListStreamsResponse, ...errorResponses(400, 401, 403, 404, 422) },
        },
      },
      async (request) => {
        const id = requireUuid(request.params.id);
        const params = readPageParams(request.query);
        if (!(await exists(request.projectId, id))) throw new HttpError(404);
        const page = await store.listStreams(request.projectId, id, params.request);
        const links = buildLinks(
          `${ctx.config.publicUrl}/api/video/${owner.kind}s/${id}/streams`,
          {},
          params,
          page,
        );
        return { links, data: page.items };
      },
    );

    app.post<{ Params: IdParamsT; Body: CreateBody }>(
      owner.path,
      {
        schema: {
          tags,
          operationId: owner.create,
          summary: `Create a ${owner.noun} stream`,
          description:
            `${NOT_SENT} At most ${MAX_STREAMS_PER_ROOM} streams per ${owner.noun} ` +
            '(422 `exceeds_platform_stream_limit`).',
          params: IdParams,
          body: CreateStreamRequest,
          response: {
            [owner.created]: Stream,
            ...errorResponses(400, 401, 403, 404, 413, 422),
          },
        },
      },
      async (request, reply) => {
        const id = requireUuid(request.params.id);
        const { url, streamType } = readUrl(request.body.url);
        const target: StreamOwner = { kind: owner.kind, id };
        try {
          const stream = await store.createStream(
            request.projectId,
            target,
            { id: newId(), url, streamType, createdAt: ctx.now() },
            MAX_STREAMS_PER_ROOM,
          );
          if (!stream) throw new HttpError(404);
          // Pushed at once when the session is live.
          ctx.outputs.streamAdded(request.projectId, id, { id: stream.id, url });
          return reply.code(owner.created).send(stream);
        } catch (error) {
          if (!(error instanceof StreamLimitError)) throw error;
          throw new ValidationFailed([
            problem(
              'exceeds_platform_stream_limit',
              null,
              `A ${owner.noun} can have at most ${error.limit} streams`,
            ),
          ]);
        }
      },
    );
  }

  app.get<{ Params: IdParamsT }>(
    '/streams/:id',
    {
      schema: {
        tags,
        operationId: 'get_stream',
        summary: 'Get a stream',
        description: NOT_SENT,
        params: IdParams,
        response: { 200: Stream, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const id = requireUuid(request.params.id);
      const stream = await store.getStream(request.projectId, id);
      if (!stream) throw new HttpError(404);
      return stream;
    },
  );

  app.put<{ Params: IdParamsT; Body: UpdateBody }>(
    '/streams/:id',
    {
      schema: {
        tags,
        operationId: 'update_stream',
        summary: "Update a stream's address",
        description: NOT_SENT,
        params: IdParams,
        body: UpdateStreamRequest,
        response: { 200: Stream, ...errorResponses(400, 401, 403, 404, 413, 422) },
      },
    },
    async (request) => {
      const id = requireUuid(request.params.id);
      const change = readUrl(request.body.url);
      const stream = await store.updateStream(request.projectId, id, change, ctx.now());
      if (!stream) throw new HttpError(404);
      ctx.outputs.streamChanged(request.projectId, { id, url: change.url });
      return stream;
    },
  );

  app.delete<{ Params: IdParamsT }>(
    '/streams/:id',
    {
      schema: {
        tags,
        operationId: 'delete_stream',
        summary: 'Delete a stream',
        params: IdParams,
        response: {
          204: { type: 'null', description: 'Deleted' },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const id = requireUuid(request.params.id);
      if (!(await store.deleteStream(request.projectId, id))) throw new HttpError(404);
      ctx.outputs.streamRemoved(request.projectId, id);
      return reply.code(204).send();
    },
  );
}
