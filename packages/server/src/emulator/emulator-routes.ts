import {
  AdvanceClockRequest,
  CreateFaultRequest,
  EmulatorClock,
  Fault,
  FaultsQuery,
  FixtureLoaded,
  IdParams,
  ListFaultsResponse,
  EmulatorMemberParams,
  LoadFixtureRequest,
  ProjectReset,
  SetClockRequest,
  ListSimulatedMembersResponse,
  SimulatedMember,
  SimulatedMemberActionRequest,
  SimulatedMemberParams,
  SimulatedMembersJoined,
  SimulateMembersRequest,
  type SimulatedMemberActionRequest as SimulatedMemberActionBody,
  type SimulatedMemberParams as SimulatedMemberParamsT,
  type SimulateMembersRequest as SimulateMembersBody,
  type AdvanceClockRequest as AdvanceClockBody,
  type CreateFaultRequest as CreateFaultBody,
  type FaultsQuery as FaultsQueryT,
  type IdParams as IdParamsT,
  type EmulatorMemberParams as EmulatorMemberParamsT,
  type LoadFixtureRequest as LoadFixtureBody,
  type SetClockRequest as SetClockBody,
} from '@conclave/schema';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { HttpError, problem, ValidationFailed } from '../http/errors.js';
import { requireUuid } from '../http/path-id.js';
import { parseDateTime } from '../lib/time.js';
import { errorResponses } from '../http/responses.js';
import { TransferError } from '../transfer/transfer-format.js';
import type { Emulator } from './emulator.js';
import { FixtureConflictError } from './fixture-loader.js';
import {
  SimulationMediaRefused,
  SimulationTargetMissing,
  type SimulationTarget,
} from './simulated-members.js';

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
          '`latency_ms`, or dropped (`drop`). Only requests of `project_id` when given. With ' +
          '`target: "frames"` it delays (`latency_ms`) the realtime frames sent to the live ' +
          'members matching `path` (`/room_sessions/{session_id}/members/{member_id}`).',
        body: CreateFaultRequest,
        response: { 201: Fault, ...errorResponses(400, 401, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.target === 'frames') {
        // Frames are delayed, nothing else: no status, no drop (drop a member's socket with
        // …/members/{id}/drop), no method.
        for (const field of ['status', 'retry_after', 'drop'] as const) {
          if (body[field] === undefined) continue;
          throw new ValidationFailed([
            problem('invalid_parameter', field, 'a frames fault only delays (latency_ms)'),
          ]);
        }
        if (body.method !== undefined && body.method !== '*') {
          throw new ValidationFailed([
            problem('invalid_parameter', 'method', 'frames have no method'),
          ]);
        }
        if (!body.latency_ms) {
          throw new ValidationFailed([
            problem('missing_required_parameter', 'latency_ms', 'a frames fault delays frames'),
          ]);
        }
      }
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

  app.get<{ Params: IdParamsT }>(
    '/emulator/projects/:id/clock',
    {
      schema: {
        tags,
        security,
        summary: "A project's clock",
        description:
          'Its test clock, or the wall clock (no `offset_ms`) when it has none. Everything ' +
          'time-based of the project follows it: join windows, removals, reconnect grace ' +
          'periods, and the times written on its records.',
        params: IdParams,
        response: { 200: EmulatorClock, ...errorResponses(401, 404) },
      },
    },
    async (request) => emulator.clock(await requireProject(request.params.id)),
  );

  app.put<{ Params: IdParamsT; Body: SetClockBody }>(
    '/emulator/projects/:id/clock',
    {
      schema: {
        tags,
        security,
        summary: "Set, freeze or unfreeze a project's test clock",
        description:
          'A frozen clock stands still until set or advanced; a running one runs from the ' +
          'time set. Deadlines the clock passes going forward (removals, grace periods) take ' +
          'effect, in order, before the answer.',
        params: IdParams,
        body: SetClockRequest,
        response: { 200: EmulatorClock, ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (request) => {
      const projectId = await requireProject(request.params.id);
      const { time, frozen } = request.body;
      if (time === undefined && frozen === undefined) {
        throw new ValidationFailed([
          problem('missing_required_parameter', 'time', 'give time, frozen or both'),
        ]);
      }
      return emulator.setClock(projectId, {
        ...(time === undefined ? {} : { time: clockTime(time) }),
        ...(frozen === undefined ? {} : { frozen }),
      });
    },
  );

  app.post<{ Params: IdParamsT; Body: AdvanceClockBody }>(
    '/emulator/projects/:id/clock/advance',
    {
      schema: {
        tags,
        security,
        summary: "Advance a project's test clock",
        description:
          'By `ms` or `seconds` (one of them). The deadlines passed take effect in order, each ' +
          'at its own time, as if the time had gone by, before the answer. A project on the ' +
          'wall clock gets a running test clock.',
        params: IdParams,
        body: AdvanceClockRequest,
        response: { 200: EmulatorClock, ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (request) => {
      const projectId = await requireProject(request.params.id);
      const { ms, seconds } = request.body;
      if ((ms === undefined) === (seconds === undefined)) {
        throw new ValidationFailed([
          problem(
            ms === undefined ? 'missing_required_parameter' : 'invalid_parameter',
            'ms',
            'give ms or seconds, not both',
          ),
        ]);
      }
      return emulator.advanceClock(projectId, ms ?? Math.round(seconds! * 1000));
    },
  );

  app.delete<{ Params: IdParamsT }>(
    '/emulator/projects/:id/clock',
    {
      schema: {
        tags,
        security,
        summary: "Remove a project's test clock: back to the wall clock",
        description: 'Deadlines already due on the wall clock take effect before the answer.',
        params: IdParams,
        response: { 204: { type: 'null' }, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      await emulator.resetClock(await requireProject(request.params.id));
      return reply.code(204).send();
    },
  );

  app.post<{ Params: IdParamsT; Body: SimulateMembersBody }>(
    '/emulator/projects/:id/simulated_members',
    {
      schema: {
        tags,
        security,
        summary: 'Simulated members join a conference or a room',
        description:
          'Members joined at once through the same admission and rules as people (a full, ' +
          'locked or closed session refuses them too). Give one of `conference_id` (its Guest ' +
          'token), `room_name` (a room token each) or `token`. With `media: true` each ' +
          'publishes a moving test pattern with its name and a tone (422 when this process ' +
          'cannot: no media engine or ffmpeg, or more than 4 such members at once).',
        params: IdParams,
        body: SimulateMembersRequest,
        response: { 200: SimulatedMembersJoined, ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (request) => {
      const projectId = await requireProject(request.params.id);
      const body = request.body;
      const given = [body.conference_id, body.room_name, body.token].filter((v) => v !== undefined);
      if (given.length !== 1) {
        throw new ValidationFailed([
          problem(
            given.length === 0 ? 'missing_required_parameter' : 'invalid_parameter',
            'conference_id',
            'give one of conference_id, room_name or token',
          ),
        ]);
      }
      const target: SimulationTarget =
        body.conference_id !== undefined
          ? { conferenceId: body.conference_id.toLowerCase() }
          : body.room_name !== undefined
            ? { roomName: body.room_name }
            : { token: body.token! };
      try {
        return await emulator.simulated.join(projectId, target, body.count, {
          name: body.name,
          forSeconds: body.for_seconds,
          media: body.media,
        });
      } catch (error) {
        if (error instanceof SimulationMediaRefused) {
          throw new ValidationFailed([problem('invalid_parameter', 'media', error.message)]);
        }
        if (!(error instanceof SimulationTargetMissing)) throw error;
        throw new ValidationFailed([problem('invalid_parameter', 'conference_id', error.message)]);
      }
    },
  );

  app.get<{ Params: IdParamsT }>(
    '/emulator/projects/:id/simulated_members',
    {
      schema: {
        tags,
        security,
        summary: "A project's simulated members (those that left too, with why)",
        params: IdParams,
        response: { 200: ListSimulatedMembersResponse, ...errorResponses(401, 404) },
      },
    },
    async (request) => ({
      data: emulator.simulated.list(await requireProject(request.params.id)),
    }),
  );

  app.post<{ Params: SimulatedMemberParamsT; Body: SimulatedMemberActionBody }>(
    '/emulator/projects/:id/simulated_members/:member_id/actions',
    {
      schema: {
        tags,
        security,
        summary:
          'Tell a simulated member to leave, mute, unmute, talk, stop talking, drop or reconnect',
        description:
          '`talk` raises `member.talking` as the media engine does when it hears someone; ' +
          '`drop` loses its connection (it keeps its place for the grace period); `reconnect` ' +
          'takes its place back. 422 when it has left, or (but for `leave` and `reconnect`) is ' +
          'not connected.',
        params: SimulatedMemberParams,
        body: SimulatedMemberActionRequest,
        response: { 200: SimulatedMember, ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (request) => {
      const projectId = requireUuid(request.params.id);
      const memberId = requireUuid(request.params.member_id);
      const outcome = await emulator.simulated.act(projectId, memberId, request.body.action);
      if (outcome === 'not_found') throw new HttpError(404);
      if (outcome === 'gone' && request.body.action !== 'reconnect') {
        throw new ValidationFailed([problem('invalid_parameter', 'action', 'the member has left')]);
      }
      if (outcome === 'not_connected') {
        throw new ValidationFailed([
          problem('invalid_parameter', 'action', 'the member is not connected (reconnect first)'),
        ]);
      }
      return emulator.simulated.get(projectId, memberId)!;
    },
  );
}

/** Unix ms of an RFC 3339 time (its fraction of a second kept); 1970 or later. */
function clockTime(text: string): number {
  const seconds = parseDateTime(text);
  const fraction = /T[^.]*\.(\d{1,9})/i.exec(text)?.[1];
  const ms =
    seconds === undefined
      ? undefined
      : seconds * 1000 + (fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0);
  if (ms === undefined || ms < 0) {
    throw new ValidationFailed([problem('invalid_parameter', 'time', 'not before 1970')]);
  }
  return ms;
}
