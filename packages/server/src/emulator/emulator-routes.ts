import {
  CreateFaultRequest,
  Fault,
  FaultsQuery,
  FixtureLoaded,
  IdParams,
  ListFaultsResponse,
  EmulatorMemberParams,
  LoadFixtureRequest,
  ProjectReset,
  type CreateFaultRequest as CreateFaultBody,
  type FaultsQuery as FaultsQueryT,
  type IdParams as IdParamsT,
  type EmulatorMemberParams as EmulatorMemberParamsT,
  type LoadFixtureRequest as LoadFixtureBody,
} from '@conclave/schema';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { HttpError, problem, ValidationFailed } from '../http/errors.js';
import { requireUuid } from '../http/path-id.js';
import { errorResponses } from '../http/responses.js';
import { TransferError } from '../transfer/transfer-format.js';
import type { Emulator } from './emulator.js';
import { FixtureConflictError } from './fixture-loader.js';

const tags = ['Emulator'];
const security = [{ AdminBearer: [] }];
/** A fixture of some thousands of conferences is a few MiB; the API's usual limit is 1 MiB. */
const FIXTURE_BODY_LIMIT = 64 * 1024 * 1024;

/**
 * The emulator's routes, under the admin API (`/admin/v1/emulator/…`, its token and error
 * bodies). Registered only with `CONCLAVE_EMULATOR=1`: otherwise each answers 404.
 */
export async function emulatorRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  emulator: Emulator,
): Promise<void> {
  const requireProject = async (id: string) => {
    const projectId = requireUuid(id);
    if (!(await ctx.store.getProject(projectId))) throw new HttpError(404);
    return projectId;
  };

  app.post<{ Body: CreateFaultBody }>(
    '/emulator/faults',
    {
      schema: {
        tags,
        security,
        summary: 'Script a fault',
        description:
          'The next `count` requests (or a `probability` share of them, or both) matching ' +
          '`method` and `path` are answered `status` with the API’s own error body, delayed ' +
          '`latency_ms`, or dropped (`drop`). Only requests of `project_id` when given.',
        body: CreateFaultRequest,
        response: { 201: Fault, ...errorResponses(400, 401, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.status === undefined && !body.drop && !body.latency_ms) {
        throw new ValidationFailed([
          problem('missing_required_parameter', 'status', 'give status, latency_ms or drop'),
        ]);
      }
      if (body.drop && body.status !== undefined) {
        throw new ValidationFailed([
          problem('invalid_parameter', 'drop', 'a dropped connection answers no status'),
        ]);
      }
      if (body.retry_after !== undefined && body.status !== 429 && body.status !== 503) {
        throw new ValidationFailed([
          problem('invalid_parameter', 'retry_after', 'only with status 429 or 503'),
        ]);
      }
      if (body.project_id && !(await ctx.store.getProject(body.project_id.toLowerCase()))) {
        throw new ValidationFailed([problem('invalid_parameter', 'project_id', 'no such project')]);
      }
      return reply.code(201).send(emulator.faults.add(body));
    },
  );

  app.get<{ Querystring: FaultsQueryT }>(
    '/emulator/faults',
    {
      schema: {
        tags,
        security,
        summary: 'List scripted faults (spent ones too), oldest first',
        querystring: FaultsQuery,
        response: { 200: ListFaultsResponse, ...errorResponses(400, 401, 422) },
      },
    },
    async (request) => ({ data: emulator.faults.list(request.query.project_id) }),
  );

  app.get<{ Params: IdParamsT }>(
    '/emulator/faults/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Get a scripted fault',
        params: IdParams,
        response: { 200: Fault, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const fault = emulator.faults.get(request.params.id);
      if (!fault) throw new HttpError(404);
      return fault;
    },
  );

  app.delete<{ Params: IdParamsT }>(
    '/emulator/faults/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Remove a scripted fault',
        params: IdParams,
        response: { 204: { type: 'null' }, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      if (!emulator.faults.delete(request.params.id)) throw new HttpError(404);
      return reply.code(204).send();
    },
  );

  app.delete<{ Querystring: FaultsQueryT }>(
    '/emulator/faults',
    {
      schema: {
        tags,
        security,
        summary: 'Remove every scripted fault, or one project’s',
        querystring: FaultsQuery,
        response: { 204: { type: 'null' }, ...errorResponses(400, 401, 422) },
      },
    },
    async (request, reply) => {
      emulator.faults.clear(request.query.project_id);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: IdParamsT }>(
    '/emulator/projects/:id/reset',
    {
      schema: {
        tags,
        security,
        summary: 'Empty a project, keeping its credentials',
        description:
          'Ends its live sessions, then deletes its conferences, rooms, tokens, streams, ' +
          'sessions, recordings (and their files), logs and scripted faults. The project, its ' +
          'API tokens and its signing keys stay.',
        params: IdParams,
        response: { 200: ProjectReset, ...errorResponses(401, 404) },
      },
    },
    async (request) => emulator.resetProject(await requireProject(request.params.id)),
  );

  app.post<{ Params: EmulatorMemberParamsT }>(
    '/emulator/projects/:id/room_sessions/:session_id/members/:member_id/drop',
    {
      schema: {
        tags,
        security,
        summary: "Cut a live member's connection, as a network failure would",
        description:
          'The socket is destroyed without a close frame (the client sees 1006). The member ' +
          'keeps its place for the reconnect grace period and may resume. 404 when the session ' +
          'is not live on this process, or the member is not connected to it now.',
        params: EmulatorMemberParams,
        response: { 204: { type: 'null' }, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const projectId = requireUuid(request.params.id);
      const sessionId = requireUuid(request.params.session_id);
      const memberId = requireUuid(request.params.member_id);
      if (!ctx.live.cutConnection(projectId, sessionId, memberId)) throw new HttpError(404);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: IdParamsT; Body: LoadFixtureBody }>(
    '/emulator/projects/:id/fixture',
    {
      bodyLimit: FIXTURE_BODY_LIMIT,
      schema: {
        tags,
        security,
        summary: 'Load a fixture (a `conclave export` file) into a project',
        description:
          'Loads the file’s conferences (with their tokens and streams) and rooms (with their ' +
          'streams) into the project, with their ids, in one transaction; other records are ' +
          'skipped. With `reset`, the project is emptied first.',
        params: IdParams,
        body: LoadFixtureRequest,
        response: { 200: FixtureLoaded, ...errorResponses(400, 401, 404, 413, 422) },
      },
    },
    async (request) => {
      const projectId = await requireProject(request.params.id);
      try {
        return await emulator.loadFixture(
          projectId,
          request.body.fixture,
          request.body.reset ?? false,
        );
      } catch (error) {
        if (error instanceof TransferError || error instanceof FixtureConflictError) {
          throw new ValidationFailed([problem('invalid_parameter', 'fixture', error.message)]);
        }
        throw error;
      }
    },
  );
}
