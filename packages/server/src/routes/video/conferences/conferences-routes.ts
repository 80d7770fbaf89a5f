import {
  Conference,
  CONFERENCE_TOKEN_TEMPLATES,
  CreateConferenceRequest,
  GetConferenceQuery,
  IdParams,
  ListConferencesQuery,
  ListConferencesResponse,
  UpdateConferenceRequest,
  type Conference as ConferenceT,
  type CreateConferenceRequest as CreateBody,
  type GetConferenceQuery as GetQuery,
  type IdParams as IdParamsT,
  type ListConferencesQuery as ListQuery,
  type UpdateConferenceRequest as UpdateBody,
} from '@conclave/schema';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { HttpError, problem, ValidationFailed } from '../../../http/errors.js';
import { errorResponses } from '../../../http/responses.js';
import { requireUuid } from '../../../http/path-id.js';
import { newConferenceTokenValue, newOrderedId, randomName } from '../../../lib/ids.js';
import { parseDateTimeFilter } from '../../../lib/time.js';
import { buildLinks, readPageParams } from '../../../pagination/pagination.js';
import { NameTakenError, type Page, type Store } from '../../../store/store.js';
import { fieldsFromCreate, fieldsFromUpdate } from './conference-input.js';

const tags = ['Conferences'];

async function withActiveSessions(
  store: Store,
  projectId: string,
  conferences: ConferenceT[],
): Promise<ConferenceT[]> {
  const sessions = await store.activeConferenceSessions(
    projectId,
    conferences.map((c) => c.id),
  );
  if (sessions.size === 0) return conferences;
  return conferences.map((c) => {
    const session = sessions.get(c.id);
    return session ? { ...c, active_session: session } : c;
  });
}

/**
 * `{"links":…,"data":[…]}` around the conferences' wire JSON texts, made by one join of all the
 * pieces: the page's text is copied once (a template around `items.join(',')` copies it twice,
 * and the garbage of a 40 KB page per request is most of what the list allocates).
 */
function wireListBody(links: unknown, items: readonly string[]): string {
  const parts = [`{"links":${JSON.stringify(links)},"data":[`];
  for (let i = 0; i < items.length; i++) {
    if (i > 0) parts.push(',');
    parts.push(items[i]!);
  }
  parts.push(']}');
  return parts.join('');
}

export async function conferencesRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { store } = ctx;

  app.get<{ Querystring: ListQuery }>(
    '/conferences',
    {
      schema: {
        tags,
        operationId: 'list_video_conferences',
        summary: 'List video conferences',
        querystring: ListConferencesQuery,
        response: { 200: ListConferencesResponse, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const params = readPageParams(q);
      const filters = {
        startsAfter: q.starts_after === undefined ? undefined : parseDateTimeFilter(q.starts_after),
        endsBefore: q.ends_before === undefined ? undefined : parseDateTimeFilter(q.ends_before),
      };
      const linksOf = (page: Page<unknown>) =>
        buildLinks(
          `${ctx.config.publicUrl}/api/video/conferences`,
          {
            ends_before: q.ends_before,
            include_active_session:
              q.include_active_session === undefined ? undefined : String(q.include_active_session),
            starts_after: q.starts_after,
          },
          params,
          page,
        );
      if (!q.include_active_session) {
        // The conferences' stored wire JSON, sent as it is: nothing to rebuild or re-serialize.
        const page = await store.listConferenceWires(request.projectId, filters, params.request);
        return reply
          .type('application/json; charset=utf-8')
          .send(wireListBody(linksOf(page), page.items));
      }
      const page = await store.listConferences(request.projectId, filters, params.request);
      return {
        links: linksOf(page),
        data: await withActiveSessions(store, request.projectId, page.items),
      };
    },
  );

  app.post<{ Body: CreateBody }>(
    '/conferences',
    {
      schema: {
        tags,
        operationId: 'create_video_conference',
        summary: 'Create a video conference',
        body: CreateConferenceRequest,
        response: { 200: Conference, ...errorResponses(400, 401, 403, 413, 422) },
      },
    },
    async (request) => {
      const body = request.body;
      const fields = fieldsFromCreate(body);
      const explicitName = body.name;
      for (let attempt = 0; ; attempt++) {
        const now = ctx.now();
        try {
          const record = await store.createConference(request.projectId, {
            ...fields,
            id: newOrderedId(),
            name: explicitName ?? randomName(),
            createdAt: now,
            tokens: CONFERENCE_TOKEN_TEMPLATES.map((t) => ({
              id: newOrderedId(),
              name: t.name,
              token: newConferenceTokenValue(),
              scopes: t.scopes,
            })),
          });
          return record.wire;
        } catch (error) {
          if (!(error instanceof NameTakenError)) throw error;
          // A generated name that collides (1 in 62^20) just gets another draw.
          if (explicitName === undefined && attempt < 3) continue;
          throw new ValidationFailed([
            problem(
              'not_unique_within_project',
              'name',
              'name has already been taken in this project',
            ),
          ]);
        }
      }
    },
  );

  app.get<{ Params: IdParamsT; Querystring: GetQuery }>(
    '/conferences/:id',
    {
      schema: {
        tags,
        operationId: 'get_video_conference',
        summary: 'Get a video conference',
        params: IdParams,
        querystring: GetConferenceQuery,
        response: { 200: Conference, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const id = requireUuid(request.params.id);
      const record = await store.getConference(request.projectId, id);
      if (!record) throw new HttpError(404);
      if (!request.query.include_active_session) return record.wire;
      const [withSession] = await withActiveSessions(store, request.projectId, [record.wire]);
      return withSession;
    },
  );

  app.put<{ Params: IdParamsT; Body: UpdateBody }>(
    '/conferences/:id',
    {
      schema: {
        tags,
        operationId: 'update_video_conference',
        summary: 'Update a video conference',
        params: IdParams,
        body: UpdateConferenceRequest,
        response: { 200: Conference, ...errorResponses(400, 401, 403, 404, 413, 422) },
      },
    },
    async (request) => {
      const id = requireUuid(request.params.id);
      const updated = await store.updateConference(
        request.projectId,
        id,
        (current) => fieldsFromUpdate(current, request.body),
        ctx.now(),
      );
      if (!updated) throw new HttpError(404);
      return updated.wire;
    },
  );

  app.delete<{ Params: IdParamsT }>(
    '/conferences/:id',
    {
      schema: {
        tags,
        operationId: 'delete_video_conference',
        summary: 'Delete a video conference',
        params: IdParams,
        response: {
          204: { type: 'null', description: 'Deleted' },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const id = requireUuid(request.params.id);
      if (!(await store.deleteConference(request.projectId, id, ctx.now()))) {
        throw new HttpError(404);
      }
      // Its live session ends and everyone in it is disconnected.
      ctx.live.endFor(request.projectId, 'conference', id);
      return reply.code(204).send();
    },
  );
}
