import type {
  AdvanceClockRequest,
  CreateFaultRequest,
  EmulatorClock,
  Fault,
  FaultsQuery,
  FixtureLoaded,
  ListFaultsResponse,
  ListSimulatedMembersResponse,
  ProjectReset,
  SetClockRequest,
  SimulatedMember,
  SimulatedMemberAction,
  SimulatedMembersJoined,
  SimulateMembersRequest,
} from '@conclave/schema';
import type { HttpClient } from '../../core/http-client.js';
import type { RequestOptions } from '../../core/request-options.js';

const BASE = '/admin/v1/emulator';

/**
 * `admin.emulator` — `/admin/v1/emulator`: scripted faults, project reset and fixtures, a test
 * clock per project, for test
 * suites that use Conclave in place of SignalWire. The server answers only when started with
 * `CONCLAVE_EMULATOR=1`; otherwise every method rejects with NotFoundError.
 */
export class Emulator {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Scripts a fault: the next `count` requests matching `method` and `path` (a glob: `*` within
   * a segment, `**` across), or a `probability` share of them, or both, are answered `status`
   * (429, 500 or 503, with the API's own body), delayed by `latency_ms`, or dropped.
   *
   * @example
   * ```ts
   * await admin.emulator.addFault({
   *   project_id: projectId,
   *   method: 'POST',
   *   path: '/api/video/conferences',
   *   status: 429,
   *   retry_after: 2,
   *   count: 1,
   * });
   * ```
   */
  addFault(body: CreateFaultRequest, options?: RequestOptions): Promise<Fault> {
    return this.#http.request<Fault>({ method: 'POST', path: `${BASE}/faults`, body }, options);
  }

  /**
   * Every scripted fault (spent ones too, with `remaining: 0`), or one project's, oldest first.
   *
   * @example
   * ```ts
   * const [fault] = await admin.emulator.listFaults({ project_id: projectId });
   * console.log(fault?.applied);
   * ```
   */
  async listFaults(params: FaultsQuery = {}, options?: RequestOptions): Promise<Fault[]> {
    const body = await this.#http.request<ListFaultsResponse>(
      { method: 'GET', path: `${BASE}/faults`, query: params },
      options,
    );
    return body.data;
  }

  /**
   * One scripted fault, with how often it was applied.
   *
   * @example
   * ```ts
   * const { applied, remaining } = await admin.emulator.getFault(fault.id);
   * ```
   */
  getFault(id: string, options?: RequestOptions): Promise<Fault> {
    return this.#http.request<Fault>(
      { method: 'GET', path: `${BASE}/faults/${encodeURIComponent(id)}` },
      options,
    );
  }

  /**
   * Removes one scripted fault (NotFoundError when there is none).
   *
   * @example
   * ```ts
   * await admin.emulator.deleteFault(fault.id);
   * ```
   */
  async deleteFault(id: string, options?: RequestOptions): Promise<void> {
    await this.#http.request<undefined>(
      { method: 'DELETE', path: `${BASE}/faults/${encodeURIComponent(id)}` },
      options,
    );
  }

  /**
   * Removes every scripted fault, or one project's.
   *
   * @example
   * ```ts
   * await admin.emulator.clearFaults();
   * ```
   */
  async clearFaults(params: FaultsQuery = {}, options?: RequestOptions): Promise<void> {
    await this.#http.request<undefined>(
      { method: 'DELETE', path: `${BASE}/faults`, query: params },
      options,
    );
  }

  /**
   * Empties a project: its live sessions end, and its conferences, rooms, tokens, streams,
   * sessions, recordings, logs and scripted faults go. The project, its API tokens and its
   * signing keys stay, so clients built with its credentials keep working.
   *
   * @example
   * ```ts
   * beforeEach(() => admin.emulator.resetProject(projectId));
   * ```
   */
  resetProject(projectId: string, options?: RequestOptions): Promise<ProjectReset> {
    return this.#http.request<ProjectReset>(
      { method: 'POST', path: `${BASE}/projects/${encodeURIComponent(projectId)}/reset` },
      options,
    );
  }

  /**
   * Cuts a live member's connection as a network failure would (the client sees close code
   * 1006): the member keeps its place for the reconnect grace period and may resume, as the SDK's
   * realtime session does by itself. NotFoundError when the member is not connected now.
   *
   * @example
   * ```ts
   * await admin.emulator.dropMember(projectId, session.id, member.id);
   * ```
   */
  async dropMember(
    projectId: string,
    sessionId: string,
    memberId: string,
    options?: RequestOptions,
  ): Promise<void> {
    const path =
      `${BASE}/projects/${encodeURIComponent(projectId)}/room_sessions/` +
      `${encodeURIComponent(sessionId)}/members/${encodeURIComponent(memberId)}/drop`;
    await this.#http.request<undefined>({ method: 'POST', path }, options);
  }

  /**
   * Loads a fixture — a `conclave export` file's text — into a project: its conferences (with
   * their tokens and streams) and rooms (with their streams), with their ids, in one
   * transaction. With `reset`, the project is emptied first, in the same call.
   *
   * @example
   * ```ts
   * const fixture = await readFile('test/fixtures/conferences.jsonl', 'utf8');
   * beforeEach(() => admin.emulator.loadFixture(projectId, fixture, { reset: true }));
   * ```
   */
  loadFixture(
    projectId: string,
    fixture: string,
    params: { reset?: boolean } = {},
    options?: RequestOptions,
  ): Promise<FixtureLoaded> {
    return this.#http.request<FixtureLoaded>(
      {
        method: 'POST',
        path: `${BASE}/projects/${encodeURIComponent(projectId)}/fixture`,
        body: { fixture, ...params },
      },
      options,
    );
  }

  /**
   * The project's clock: `{ time, frozen, offset_ms? }` (`time` RFC 3339 with milliseconds;
   * no `offset_ms` when the project reads the wall clock).
   *
   * @example
   * ```ts
   * const { time, frozen } = await admin.emulator.getClock(projectId);
   * ```
   */
  getClock(projectId: string, options?: RequestOptions): Promise<EmulatorClock> {
    return this.#http.request<EmulatorClock>(
      { method: 'GET', path: clockPath(projectId) },
      options,
    );
  }

  /**
   * Sets the project's test clock to `time` (a `Date` or RFC 3339 text), frozen or running from
   * there. Everything time-based of the project follows it: join windows, `remove_at` and
   * `remove_after_seconds_elapsed`, reconnect grace periods, and the times written on records.
   * Deadlines it passes going forward take effect, in order, before this resolves.
   *
   * @example
   * ```ts
   * await admin.emulator.setClock(projectId, { time: new Date('2030-01-01T09:00:00Z'), frozen: true });
   * ```
   */
  setClock(
    projectId: string,
    body: Omit<SetClockRequest, 'time'> & { time?: string | Date },
    options?: RequestOptions,
  ): Promise<EmulatorClock> {
    const { time, ...rest } = body;
    return this.#http.request<EmulatorClock>(
      {
        method: 'PUT',
        path: clockPath(projectId),
        body: { ...rest, ...(time === undefined ? {} : { time: new Date(time).toISOString() }) },
      },
      options,
    );
  }

  /**
   * Moves the project's test clock forward by `ms` or `seconds`. The deadlines passed (a member's
   * `remove_after_seconds_elapsed`, a grace period) take effect in order, each at its own time,
   * before this resolves: no real waiting.
   *
   * @example
   * ```ts
   * await admin.emulator.advanceClock(projectId, { seconds: 3600 });
   * ```
   */
  advanceClock(
    projectId: string,
    body: AdvanceClockRequest,
    options?: RequestOptions,
  ): Promise<EmulatorClock> {
    return this.#http.request<EmulatorClock>(
      { method: 'POST', path: `${clockPath(projectId)}/advance`, body },
      options,
    );
  }

  /**
   * Removes the project's test clock: it reads the wall clock again.
   *
   * @example
   * ```ts
   * afterEach(() => admin.emulator.resetClock(projectId));
   * ```
   */
  async resetClock(projectId: string, options?: RequestOptions): Promise<void> {
    await this.#http.request<undefined>({ method: 'DELETE', path: clockPath(projectId) }, options);
  }

  /**
   * Starts `count` simulated members in a conference (`conference_id`), a room (`room_name`)
   * or with a `token`. They join at once through the same admission and rules as people: a full
   * session refuses them too (`refused`, with the reason a person would get). With
   * `for_seconds` they leave after that long, on the project's clock. With `media: true` each
   * publishes a moving test pattern with its name and a tone (`tone_hz`), at most 4 at once per
   * server process (else `UnprocessableEntityError`, as on a server without media).
   *
   * @example
   * ```ts
   * const { joined, refused } = await admin.emulator.simulateMembers(projectId, {
   *   conference_id: conference.id,
   *   count: 5,
   * });
   * ```
   */
  simulateMembers(
    projectId: string,
    body: SimulateMembersRequest,
    options?: RequestOptions,
  ): Promise<SimulatedMembersJoined> {
    return this.#http.request<SimulatedMembersJoined>(
      { method: 'POST', path: simulatedPath(projectId), body },
      options,
    );
  }

  /**
   * The project's simulated members, those that left too (with `left_reason`).
   *
   * @example
   * ```ts
   * const members = await admin.emulator.listSimulatedMembers(projectId);
   * ```
   */
  async listSimulatedMembers(
    projectId: string,
    options?: RequestOptions,
  ): Promise<SimulatedMember[]> {
    const body = await this.#http.request<ListSimulatedMembersResponse>(
      { method: 'GET', path: simulatedPath(projectId) },
      options,
    );
    return body.data;
  }

  /**
   * Tells a simulated member to `leave`, `mute`, `unmute`, `talk` (raising `member.talking`),
   * `stop_talking`, `drop` (lose its connection; it keeps its place for the grace period) or
   * `reconnect`. Resolves with the member as it is afterwards.
   *
   * @example
   * ```ts
   * await admin.emulator.simulatedMemberAction(projectId, member.id, 'talk');
   * ```
   */
  simulatedMemberAction(
    projectId: string,
    memberId: string,
    action: SimulatedMemberAction,
    options?: RequestOptions,
  ): Promise<SimulatedMember> {
    return this.#http.request<SimulatedMember>(
      {
        method: 'POST',
        path: `${simulatedPath(projectId)}/${encodeURIComponent(memberId)}/actions`,
        body: { action },
      },
      options,
    );
  }
}

const clockPath = (projectId: string) => `${BASE}/projects/${encodeURIComponent(projectId)}/clock`;
const simulatedPath = (projectId: string) =>
  `${BASE}/projects/${encodeURIComponent(projectId)}/simulated_members`;
