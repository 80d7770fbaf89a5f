import { Type, type Static } from '@sinclair/typebox';
import { DateTimeOutput, Uuid } from './common.js';
import { Nullable, StringEnum } from './helpers.js';

/** The statuses a scripted fault may answer, each with the body the API answers it with. */
export const FAULT_STATUSES = [429, 500, 503] as const;
export type FaultStatus = (typeof FAULT_STATUSES)[number];

/** What a fault applies to: API requests, or the realtime frames sent to live members. */
export const FAULT_TARGETS = ['requests', 'frames'] as const;
export type FaultTarget = (typeof FAULT_TARGETS)[number];

/** Methods a fault may match; `*` matches every one. */
export const FAULT_METHODS = ['*', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * A path pattern: a glob over the request's path (the query string is not part of it). `*`
 * matches within one segment (no `/`), `**` any run of characters including `/`.
 */
export const FaultPathPattern = Type.String({
  minLength: 2,
  maxLength: 500,
  pattern: "^/[A-Za-z0-9._~:@!$&'()+,;=%*/-]*$",
  description:
    'Glob over the request path, without the query string: `*` matches within one segment, ' +
    '`**` across segments. Example: `/api/video/conferences/*`.',
});

export const CreateFaultRequest = Type.Object(
  {
    project_id: Type.Optional(
      Nullable(Type.String({ format: 'uuid', description: 'Only this project; null: every one' })),
    ),
    target: Type.Optional(
      StringEnum(FAULT_TARGETS, {
        default: 'requests',
        description:
          '`requests`: API requests; `frames`: realtime frames sent to members, whose path is ' +
          '`/room_sessions/{session_id}/members/{member_id}` (only `latency_ms`)',
      }),
    ),
    method: Type.Optional(StringEnum(FAULT_METHODS, { default: '*' })),
    path: FaultPathPattern,
    status: Type.Optional(
      Type.Union(
        FAULT_STATUSES.map((s) => Type.Literal(s)),
        { description: 'Answer this status with the API’s own error body' },
      ),
    ),
    retry_after: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 86_400,
        description: '`Retry-After` seconds of a 429 or 503 (default 1)',
      }),
    ),
    latency_ms: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 60_000, description: 'Wait this long first' }),
    ),
    drop: Type.Optional(Type.Boolean({ description: 'Close the connection without answering' })),
    count: Type.Optional(
      Nullable(
        Type.Integer({
          minimum: 1,
          maximum: 1_000_000,
          description: 'Apply to this many requests, then stop; null: until cleared',
        }),
      ),
    ),
    probability: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1,
        description: 'Share of matching requests faulted (default 1)',
      }),
    ),
    duration_ms: Type.Optional(
      Nullable(
        Type.Integer({
          minimum: 1,
          maximum: 86_400_000,
          description: 'Apply for this long from now, then stop; null: until spent or cleared',
        }),
      ),
    ),
  },
  { title: 'CreateFaultRequest', additionalProperties: false },
);
export type CreateFaultRequest = Static<typeof CreateFaultRequest>;

export const Fault = Type.Object(
  {
    id: Uuid,
    project_id: Nullable(Uuid),
    target: StringEnum(FAULT_TARGETS),
    method: StringEnum(FAULT_METHODS),
    path: Type.String(),
    status: Nullable(Type.Integer()),
    retry_after: Nullable(Type.Integer()),
    latency_ms: Type.Integer(),
    drop: Type.Boolean(),
    count: Nullable(Type.Integer()),
    probability: Type.Number(),
    remaining: Nullable(Type.Integer({ description: 'Applications left; null: unlimited' })),
    applied: Type.Integer({ description: 'Requests (or frames) this fault was applied to' }),
    expires_at: Nullable(DateTimeOutput),
    created_at: DateTimeOutput,
  },
  { title: 'Fault', additionalProperties: false },
);
export type Fault = Static<typeof Fault>;

export const ListFaultsResponse = Type.Object(
  { data: Type.Array(Fault) },
  { title: 'ListFaultsResponse', additionalProperties: false },
);
export type ListFaultsResponse = Static<typeof ListFaultsResponse>;

export const FaultsQuery = Type.Object(
  { project_id: Type.Optional(Type.String({ format: 'uuid' })) },
  { additionalProperties: false },
);
export type FaultsQuery = Static<typeof FaultsQuery>;

/** Rows by table (a table with none is left out). */
export const TableRowCounts = Type.Record(Type.String(), Type.Integer());
export type TableRowCounts = Static<typeof TableRowCounts>;

export const ProjectReset = Type.Object(
  {
    project_id: Uuid,
    removed: TableRowCounts,
    faults_cleared: Type.Integer(),
    took_ms: Type.Number(),
  },
  { title: 'ProjectReset', additionalProperties: false },
);
export type ProjectReset = Static<typeof ProjectReset>;

/** Path of a live member of a project's session. */
export const EmulatorMemberParams = Type.Object({
  id: Type.String(),
  session_id: Type.String(),
  member_id: Type.String(),
});
export type EmulatorMemberParams = Static<typeof EmulatorMemberParams>;

export const LoadFixtureRequest = Type.Object(
  {
    fixture: Type.String({
      description: 'The file: JSON Lines in the `conclave export` format',
    }),
    reset: Type.Optional(
      Type.Boolean({ description: 'Reset the project first (in the same call)' }),
    ),
  },
  { title: 'LoadFixtureRequest', additionalProperties: false },
);
export type LoadFixtureRequest = Static<typeof LoadFixtureRequest>;

export const FixtureLoaded = Type.Object(
  {
    project_id: Uuid,
    loaded: TableRowCounts,
    skipped: Type.Record(Type.String(), Type.Integer(), {
      description: 'Records of the file not loaded, by record type (credentials, history)',
    }),
    reset: Nullable(ProjectReset),
    took_ms: Type.Number(),
  },
  { title: 'FixtureLoaded', additionalProperties: false },
);
export type FixtureLoaded = Static<typeof FixtureLoaded>;

/** A project's clock: its test clock in emulator mode, else the wall clock. */
export const EmulatorClock = Type.Object(
  {
    time: Type.String({
      format: 'date-time',
      description: 'Now, for the project: RFC 3339, UTC, with milliseconds',
    }),
    frozen: Type.Boolean({ description: 'The clock stands still until set or advanced' }),
    offset_ms: Type.Optional(
      Type.Integer({
        description:
          'The test clock minus the wall clock, now; absent: the project reads the wall clock',
      }),
    ),
  },
  { title: 'EmulatorClock', additionalProperties: false },
);
export type EmulatorClock = Static<typeof EmulatorClock>;

export const SetClockRequest = Type.Object(
  {
    time: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Set the clock to this time (RFC 3339; milliseconds kept); default: now',
      }),
    ),
    frozen: Type.Optional(
      Type.Boolean({
        description: 'Stand still (true) or run from the time set (false); default: as it is',
      }),
    ),
  },
  { title: 'SetClockRequest', additionalProperties: false },
);
export type SetClockRequest = Static<typeof SetClockRequest>;

/** How far an advance may go at once: ten years. */
export const MAX_CLOCK_ADVANCE_MS = 10 * 365 * 24 * 60 * 60 * 1000;

export const AdvanceClockRequest = Type.Object(
  {
    ms: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_CLOCK_ADVANCE_MS, description: 'Milliseconds' }),
    ),
    seconds: Type.Optional(
      Type.Number({ minimum: 0, maximum: MAX_CLOCK_ADVANCE_MS / 1000, description: 'Seconds' }),
    ),
  },
  { title: 'AdvanceClockRequest', additionalProperties: false },
);
export type AdvanceClockRequest = Static<typeof AdvanceClockRequest>;

/** What can be asked of a simulated member. */
export const SIMULATED_MEMBER_ACTIONS = [
  'leave',
  'mute',
  'unmute',
  'talk',
  'stop_talking',
  'drop',
  'reconnect',
] as const;
export type SimulatedMemberAction = (typeof SIMULATED_MEMBER_ACTIONS)[number];

export const SIMULATED_MEMBER_STATES = ['joined', 'reconnecting', 'left'] as const;

export const SimulateMembersRequest = Type.Object(
  {
    conference_id: Type.Optional(
      Type.String({ format: 'uuid', description: "Join with the conference's Guest token" }),
    ),
    room_name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        pattern: '^[A-Za-z0-9_-]+$',
        description: 'Join the room of this name with a room token made for each member',
      }),
    ),
    token: Type.Optional(
      Type.String({ minLength: 1, maxLength: 10_000, description: 'Join with this token' }),
    ),
    count: Type.Integer({ minimum: 1, maximum: 500, description: 'How many members' }),
    name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 80,
        description: 'Their names: `<name> 1`, `<name> 2` … (default `Simulated`)',
      }),
    ),
    for_seconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 86_400,
        description: "They leave after this long, on the project's clock",
      }),
    ),
    media: Type.Optional(
      Type.Boolean({
        description:
          'Each publishes synthetic media: a moving test pattern with its name, and a tone ' +
          '(default false; at most 4 such members at once per server process)',
      }),
    ),
  },
  { title: 'SimulateMembersRequest', additionalProperties: false },
);
export type SimulateMembersRequest = Static<typeof SimulateMembersRequest>;

export const SimulatedMember = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    room_session_id: Uuid,
    state: StringEnum(SIMULATED_MEMBER_STATES),
    audio_muted: Type.Boolean(),
    talking: Type.Boolean(),
    /** It publishes synthetic media (`media: true`). */
    media: Type.Boolean(),
    /** The frequency of its tone, in Hz (null without media). */
    tone_hz: Nullable(Type.Integer()),
    /** Why it left: `left`, `removed`, `time_up`, `session_ended`, `disconnected` … */
    left_reason: Nullable(Type.String()),
  },
  { title: 'SimulatedMember', additionalProperties: false },
);
export type SimulatedMember = Static<typeof SimulatedMember>;

export const SimulatedJoinRefusal = Type.Object(
  {
    name: Type.String(),
    reason: Type.String({ description: 'The close reason a person would get: `session_full` …' }),
    message: Type.String(),
  },
  { title: 'SimulatedJoinRefusal', additionalProperties: false },
);
export type SimulatedJoinRefusal = Static<typeof SimulatedJoinRefusal>;

export const SimulatedMembersJoined = Type.Object(
  { joined: Type.Array(SimulatedMember), refused: Type.Array(SimulatedJoinRefusal) },
  { title: 'SimulatedMembersJoined', additionalProperties: false },
);
export type SimulatedMembersJoined = Static<typeof SimulatedMembersJoined>;

export const ListSimulatedMembersResponse = Type.Object(
  { data: Type.Array(SimulatedMember) },
  { title: 'ListSimulatedMembersResponse', additionalProperties: false },
);
export type ListSimulatedMembersResponse = Static<typeof ListSimulatedMembersResponse>;

export const SimulatedMemberActionRequest = Type.Object(
  { action: StringEnum(SIMULATED_MEMBER_ACTIONS) },
  { title: 'SimulatedMemberActionRequest', additionalProperties: false },
);
export type SimulatedMemberActionRequest = Static<typeof SimulatedMemberActionRequest>;

export const SimulatedMemberParams = Type.Object({ id: Type.String(), member_id: Type.String() });
export type SimulatedMemberParams = Static<typeof SimulatedMemberParams>;
