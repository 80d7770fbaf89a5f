import {
  CreateApiTokenRequest,
  CreatedApiToken,
  CreateProjectRequest,
  IdParams,
  ListApiTokensResponse,
  ListPageQuery,
  ListProjectsResponse,
  MediaStatsResponse,
  Project,
  RoomTokenKeyRotation,
  type CreateApiTokenRequest as CreateTokenBody,
  type CreateProjectRequest as CreateProjectBody,
  type IdParams as IdParamsT,
  type ListPageQuery as PageQueryT,
} from '@conclave/schema';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { rotateRoomTokenKey, ROOM_TOKEN_KEY_GRACE_MS } from '../auth/room-tokens.js';
import { hashSecret, newApiToken, secretsEqual, tokenPrefix } from '../auth/secrets.js';
import type { AppContext } from '../context.js';
import { HttpError } from '../http/errors.js';
import { requireUuid } from '../http/path-id.js';
import { errorResponses } from '../http/responses.js';
import { newId } from '../lib/ids.js';
import { formatMillis } from '../lib/time.js';
import { buildLinks, readPageParams } from '../pagination/pagination.js';

const tags = ['Admin'];
const security = [{ AdminBearer: [] }];
const TokenParams = Type.Object({ id: Type.String(), tokenId: Type.String() });

/**
 * D20: the admin API, Bearer `CONCLAVE_ADMIN_TOKEN`. Without that setting every admin route
 * answers 404, as if it did not exist.
 */
export async function adminRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { store } = ctx;
  const adminToken = ctx.config.adminToken;

  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    if (!adminToken) throw new HttpError(404);
    const m = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
    if (!m || !secretsEqual(m[1]!, adminToken)) {
      reply.header('WWW-Authenticate', 'Bearer realm="conclave-admin"');
      throw new HttpError(401);
    }
  });

  app.post<{ Body: CreateProjectBody }>(
    '/projects',
    {
      schema: {
        tags,
        security,
        summary: 'Create a project',
        body: CreateProjectRequest,
        response: { 201: Project, ...errorResponses(400, 401, 422) },
      },
    },
    async (request, reply) => {
      const project = await store.createProject({
        id: newId(),
        name: request.body.name,
        createdAt: ctx.now(),
      });
      return reply.code(201).send(project);
    },
  );

  app.get<{ Querystring: PageQueryT }>(
    '/projects',
    {
      schema: {
        tags,
        security,
        summary: 'List projects',
        querystring: ListPageQuery,
        response: { 200: ListProjectsResponse, ...errorResponses(400, 401, 422) },
      },
    },
    async (request) => {
      const params = readPageParams(request.query);
      const page = await store.listProjects(params.request);
      return {
        links: buildLinks(`${ctx.config.publicUrl}/admin/v1/projects`, {}, params, page),
        data: page.items,
      };
    },
  );

  app.delete<{ Params: IdParamsT }>(
    '/projects/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete a project and everything in it',
        params: IdParams,
        response: { 204: { type: 'null' }, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const id = requireUuid(request.params.id);
      if (!(await store.deleteProject(id))) throw new HttpError(404);
      // Its live sessions end and their members are disconnected.
      ctx.live.endProject(id);
      // Its recording files go with it (keys are `recordings/<project>/…`).
      await ctx.media.deleteAll(`recordings/${id}`);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: IdParamsT; Body: CreateTokenBody }>(
    '/projects/:id/api_tokens',
    {
      schema: {
        tags,
        security,
        summary: 'Create an API token (its value is shown only in this response)',
        params: IdParams,
        body: CreateApiTokenRequest,
        response: { 201: CreatedApiToken, ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (request, reply) => {
      const projectId = requireUuid(request.params.id);
      if (!(await store.getProject(projectId))) throw new HttpError(404);
      const token = newApiToken();
      const created = await store.createApiToken({
        id: newId(),
        projectId,
        name: request.body.name,
        prefix: tokenPrefix(token),
        tokenHash: hashSecret(token),
        scopes: request.body.scopes ?? ['video'],
        createdAt: ctx.now(),
      });
      return reply.code(201).send({ ...created, token });
    },
  );

  app.get<{ Params: IdParamsT; Querystring: PageQueryT }>(
    '/projects/:id/api_tokens',
    {
      schema: {
        tags,
        security,
        summary: "List a project's API tokens (prefixes only)",
        params: IdParams,
        querystring: ListPageQuery,
        response: { 200: ListApiTokensResponse, ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (request) => {
      const projectId = requireUuid(request.params.id);
      const params = readPageParams(request.query);
      if (!(await store.getProject(projectId))) throw new HttpError(404);
      const page = await store.listApiTokens(projectId, params.request);
      return {
        links: buildLinks(
          `${ctx.config.publicUrl}/admin/v1/projects/${projectId}/api_tokens`,
          {},
          params,
          page,
        ),
        data: page.items,
      };
    },
  );

  app.delete<{ Params: { id: string; tokenId: string } }>(
    '/projects/:id/api_tokens/:tokenId',
    {
      schema: {
        tags,
        security,
        summary: 'Revoke an API token (refused from the next request on)',
        params: TokenParams,
        response: { 204: { type: 'null' }, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const projectId = requireUuid(request.params.id);
      const tokenId = requireUuid(request.params.tokenId);
      if (!(await store.revokeApiToken(projectId, tokenId))) throw new HttpError(404);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: IdParamsT }>(
    '/projects/:id/room_token_secret/rotate',
    {
      schema: {
        tags,
        security,
        summary: "Rotate the project's room-token signing key",
        description:
          'Retires the current key and makes a new one current; the secret is never shown. ' +
          `Tokens signed with the retired key stay valid for ${ROOM_TOKEN_KEY_GRACE_MS / 3_600_000} ` +
          'hours, then are refused.',
        params: IdParams,
        response: { 200: RoomTokenKeyRotation, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const projectId = requireUuid(request.params.id);
      if (!(await store.getProject(projectId))) throw new HttpError(404);
      const { current, retired } = await rotateRoomTokenKey(store, projectId, ctx.now());
      return {
        kid: current.kid,
        created_at: formatMillis(current.createdAt),
        retired: retired
          ? {
              kid: retired.kid,
              retired_at: formatMillis(retired.retiredAt ?? current.createdAt),
              verifiable_until: formatMillis(
                (retired.retiredAt ?? current.createdAt) + ROOM_TOKEN_KEY_GRACE_MS,
              ),
            }
          : null,
      };
    },
  );

  app.get(
    '/media',
    {
      schema: {
        tags,
        security,
        summary: 'Media workers and what they carry',
        description:
          'Counts of each media worker (sessions, members, peer connections, tracks in and out, ' +
          'packets, keyframe requests, contained errors) and their sum.',
        response: { 200: MediaStatsResponse, ...errorResponses(401) },
      },
    },
    async () => {
      const media = ctx.live.media;
      const stats = await media.stats();
      return { available: media.available, ...stats };
    },
  );

  app.post<{ Params: { index: string } }>(
    '/media/workers/:index/restart',
    {
      schema: {
        tags,
        security,
        summary: 'Restart a media worker (a drill)',
        description:
          'Ends the worker as a crash would: the members of its sessions are sent ' +
          '`media.closed` (`worker_failed`) and may publish and subscribe again; a new worker ' +
          'takes its place.',
        params: Type.Object({ index: Type.String({ pattern: '^[0-9]{1,3}$' }) }),
        response: {
          204: { type: 'null', description: 'Restarted' },
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const restarted = await ctx.live.media.restartWorker(Number(request.params.index));
      if (!restarted) throw new HttpError(404);
      return reply.code(204).send();
    },
  );
}
