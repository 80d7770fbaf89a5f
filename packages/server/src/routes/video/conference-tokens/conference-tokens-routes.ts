import {
  ConferenceToken,
  IdParams,
  ListConferenceTokensResponse,
  ListPageQuery,
  type IdParams as IdParamsT,
  type ListPageQuery as PageQueryT,
} from '@conclave/schema';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { HttpError } from '../../../http/errors.js';
import { errorResponses } from '../../../http/responses.js';
import { newConferenceTokenValue } from '../../../lib/ids.js';
import { buildLinks, readPageParams } from '../../../pagination/pagination.js';
import { requireUuid } from '../../../http/path-id.js';

const tags = ['Conference Tokens'];

export async function conferenceTokensRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { store } = ctx;

  app.get<{ Params: IdParamsT; Querystring: PageQueryT }>(
    '/conferences/:id/conference_tokens',
    {
      schema: {
        tags,
        operationId: 'list_conference_tokens',
        summary: "List a conference's tokens",
        params: IdParams,
        querystring: ListPageQuery,
        response: { 200: ListConferenceTokensResponse, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const id = requireUuid(request.params.id);
      const params = readPageParams(request.query);
      if (!(await store.getConference(request.projectId, id))) throw new HttpError(404);
      const page = await store.listConferenceTokens(request.projectId, id, params.request);
      const links = buildLinks(
        `${ctx.config.publicUrl}/api/video/conferences/${id}/conference_tokens`,
        {},
        params,
        page,
      );
      return { links, data: page.items };
    },
  );

  app.get<{ Params: IdParamsT }>(
    '/conference_tokens/:id',
    {
      schema: {
        tags,
        operationId: 'get_conference_token',
        summary: 'Get a conference token',
        params: IdParams,
        response: { 200: ConferenceToken, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const id = requireUuid(request.params.id);
      const token = await store.getConferenceToken(request.projectId, id);
      if (!token) throw new HttpError(404);
      return token;
    },
  );

  app.post<{ Params: IdParamsT }>(
    '/conference_tokens/:id/reset',
    {
      schema: {
        tags,
        operationId: 'reset_conference_token',
        summary: 'Reset a conference token',
        description: 'Issues a new value; the old one stops admitting anyone at once.',
        params: IdParams,
        response: { 200: ConferenceToken, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const id = requireUuid(request.params.id);
      const token = await store.resetConferenceToken(
        request.projectId,
        id,
        newConferenceTokenValue(),
        ctx.now(),
      );
      if (!token) throw new HttpError(404);
      return token;
    },
  );
}
