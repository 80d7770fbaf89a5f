import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import { appendEvents, type NewEvent } from '../../../events/event-outbox.js';
import { newOrderedId } from '../../../lib/ids.js';
import type { Database } from '../../../store/database.js';
import { toFlag } from '../../../store/kysely/column-values.js';
import type { StoreContext, Trx } from '../../../store/kysely/store-context.js';
import { rowToMember, rowToRoomSession } from './session-rows.js';

/**
 * The live-session engine's writes: sessions start and end, members join and leave, events are
 * recorded, and which process hosts each live session (its lease). The API only reads these rows
 * (room-sessions-store.ts).
 */

export interface NewRoomSession {
  id: string;
  projectId: string;
  conferenceId?: string | null;
  roomId?: string | null;
  name: string;
  displayName?: string | null;
  layout?: string | null;
  quality?: string | null;
  fps?: number | null;
  maxMembers?: number | null;
  joinFrom?: number | null;
  joinUntil?: number | null;
  removeAt?: number | null;
  removeAfterSecondsElapsed?: number | null;
  recordOnStart?: boolean;
  enableRoomPreviews?: boolean;
  audioVideoSync?: boolean;
  toneOnEntryAndExit?: boolean;
  roomJoinVideoOff?: boolean;
  userJoinVideoOff?: boolean;
  prioritizeHandraise?: boolean;
  /** Unix ms. */
  startTime: number;
  /** The process hosting it live, and its lease (Unix ms): see renewSessionLeases. */
  nodeId?: string | null;
  leaseUntil?: number | null;
  /** The id of its `session.started` event (the engine's, so events list in the order made). */
  startedEventId?: string;
}

export interface NewMember {
  id: string;
  projectId: string;
  roomSessionId: string;
  name: string | null;
  /** Unix ms. */
  joinTime: number;
}

export interface NewSessionEvent {
  id: string;
  projectId: string;
  roomSessionId: string;
  roomRecordingId?: string | undefined;
  roomParticipantId?: string | undefined;
  level: string;
  name: string;
  payload: Record<string, unknown>;
  /** Unix ms. */
  createdAt: number;
}

export type LiveSessionKey = { conferenceId: string } | { roomId: string } | { name: string };

/** One write of the live-session engine (see applySessionWrites). */
export type SessionWrite =
  | { kind: 'start'; session: NewRoomSession }
  | { kind: 'member'; member: NewMember }
  | { kind: 'left'; projectId: string; memberId: string; at: number }
  | { kind: 'event'; event: NewSessionEvent; roomId: string }
  | { kind: 'lock'; projectId: string; sessionId: string; locked: boolean; at: number }
  | { kind: 'end'; projectId: string; sessionId: string; at: number };

/** applySessionWrites: another process already hosts a live session of that room or name. */
export class LiveSessionConflictError extends Error {
  constructor() {
    super('a live session of this room is hosted by another process');
    this.name = 'LiveSessionConflictError';
  }
}

export interface LiveSessionsStore {
  /** Starts a session: its row, a `session.started` event and its video log (in-progress). */
  startRoomSession(input: NewRoomSession): Promise<void>;
  /** Ends an in-progress session: end time, a `session.ended` event, the log completed. */
  endRoomSession(projectId: string, id: string, endTime: number): Promise<boolean>;
  /** The live engine's writes, in order, in one transaction (its group commit). */
  applySessionWrites(writes: readonly SessionWrite[]): Promise<void>;
  /** The in-progress session of a conference, a room, or a room-less (auto-created) name. */
  findLiveSession(
    projectId: string,
    where: LiveSessionKey,
  ): Promise<{ id: string; nodeId: string | null; leaseUntil: number | null } | undefined>;
  /** The host of the project's in-progress session `id`; undefined when it is not in progress. */
  liveSessionHost(
    projectId: string,
    id: string,
  ): Promise<{ nodeId: string | null; leaseUntil: number | null } | undefined>;
  /** Extends the lease of these in-progress sessions of the node; returns how many. */
  renewSessionLeases(
    nodeId: string,
    sessionIds: readonly string[],
    leaseUntil: number,
  ): Promise<number>;
  /**
   * In-progress sessions nobody may host any more: with `own`, the node's own (left by its
   * previous run: call it before hosting anything); without, any whose lease ran out (the caller
   * skips those it hosts). At most 1000 at a time.
   */
  abandonedSessions(
    nodeId: string,
    now: number,
    own: boolean,
  ): Promise<{ projectId: string; id: string; startTime: number; leaseUntil: number | null }[]>;
  /** Locks or unlocks a session (and its log's `locked`); false when no such session. */
  setRoomSessionLocked(
    projectId: string,
    id: string,
    locked: boolean,
    at: number,
  ): Promise<boolean>;
  /** A member joins; false when the session does not exist in the project. */
  addMember(input: NewMember): Promise<boolean>;
  /** A member leaves (the first leave counts); false when unknown or already gone. */
  memberLeft(projectId: string, memberId: string, leaveTime: number): Promise<boolean>;
  /** Records an event of a session; false when the session does not exist in the project. */
  addEvent(input: NewSessionEvent): Promise<boolean>;
}

/** Rows per multi-row INSERT (10 columns: well inside both engines' parameter limits). */
const INSERT_CHUNK = 500;

function memberRow(member: NewMember): Insertable<Database['room_session_members']> {
  return {
    id: member.id,
    project_id: member.projectId,
    room_session_id: member.roomSessionId,
    name: member.name,
    join_time: member.joinTime,
    leave_time: null,
    created_at: member.joinTime,
  };
}

/** The outbox event of a member joining or leaving (docs/webhooks.md). */
function memberEvent(
  type: 'member.joined' | 'member.left' | 'member.updated',
  row: Selectable<Database['room_session_members']>,
  at: number,
  detail?: Record<string, unknown>,
): NewEvent {
  return {
    projectId: row.project_id,
    type,
    objectId: row.id,
    orderingKey: row.room_session_id,
    object: rowToMember(row),
    detail,
    at,
  };
}

function sessionEvent(
  type: 'session.started' | 'session.ended',
  row: Selectable<Database['room_sessions']>,
  at: number,
): NewEvent {
  return {
    projectId: row.project_id,
    type,
    objectId: row.id,
    orderingKey: row.id,
    object: rowToRoomSession(row),
    at,
  };
}

function eventRow(event: NewSessionEvent, roomId: string) {
  return {
    id: event.id,
    project_id: event.projectId,
    room_id: roomId,
    room_session_id: event.roomSessionId,
    room_recording_id: event.roomRecordingId ?? null,
    room_participant_id: event.roomParticipantId ?? null,
    level: event.level,
    name: event.name,
    payload: JSON.stringify(event.payload),
    created_at: event.createdAt,
  };
}

/** Records an event of a session whose room (or own id, for a room-less session) is `roomId`. */
export async function insertEvent(trx: Trx, event: NewSessionEvent, roomId: string) {
  await trx.insertInto('room_session_events').values(eventRow(event, roomId)).execute();
}

/** The room id a session's events carry: its room's, its conference's, or its own. */
export async function eventRoomIdOf(
  trx: Trx,
  projectId: string,
  sessionId: string,
): Promise<string | undefined> {
  const session = await trx
    .selectFrom('room_sessions')
    .select('room_id')
    .where('project_id', '=', projectId)
    .where('id', '=', sessionId)
    .executeTakeFirst();
  return session && (session.room_id ?? sessionId);
}

/**
 * A session's row, its `session.started` event and its video log (in-progress); its outbox event
 * goes to `outbox`.
 */
async function insertSession(trx: Trx, input: NewRoomSession, outbox: NewEvent[]) {
  // A conference's backing room has the conference's id (docs/decisions.md, Rooms).
  const roomId = input.roomId ?? input.conferenceId ?? null;
  const row: Selectable<Database['room_sessions']> = {
    id: input.id,
    project_id: input.projectId,
    conference_id: input.conferenceId ?? null,
    room_id: roomId,
    name: input.name,
    display_name: input.displayName ?? null,
    status: 'in-progress',
    layout: input.layout ?? null,
    quality: input.quality ?? null,
    fps: input.fps ?? null,
    max_members: input.maxMembers ?? null,
    join_from: input.joinFrom ?? null,
    join_until: input.joinUntil ?? null,
    remove_at: input.removeAt ?? null,
    remove_after_seconds_elapsed: input.removeAfterSecondsElapsed ?? null,
    record_on_start: toFlag(input.recordOnStart ?? false),
    enable_room_previews: toFlag(input.enableRoomPreviews ?? false),
    audio_video_sync: toFlag(input.audioVideoSync ?? false),
    start_time: input.startTime,
    end_time: null,
    created_at: input.startTime,
    locked: 0,
    tone_on_entry_and_exit: toFlag(input.toneOnEntryAndExit ?? true),
    room_join_video_off: toFlag(input.roomJoinVideoOff ?? false),
    user_join_video_off: toFlag(input.userJoinVideoOff ?? false),
    prioritize_handraise: toFlag(input.prioritizeHandraise ?? false),
    updated_at: input.startTime,
    node_id: input.nodeId ?? null,
    lease_until: input.leaseUntil ?? null,
  };
  await trx.insertInto('room_sessions').values(row).execute();
  outbox.push(sessionEvent('session.started', row, input.startTime));
  await insertEvent(
    trx,
    {
      id: input.startedEventId ?? newOrderedId(),
      projectId: input.projectId,
      roomSessionId: input.id,
      level: 'info',
      name: 'session.started',
      payload: {},
      createdAt: input.startTime,
    },
    roomId ?? input.id,
  );
  await trx
    .insertInto('video_logs')
    .values({
      id: newOrderedId(),
      project_id: input.projectId,
      room_session_id: input.id,
      conference_id: input.conferenceId ?? null,
      room_id: input.roomId ?? null,
      type: input.conferenceId ? 'video_conference_session' : 'video_room_session',
      room_name: input.name,
      status: 'in-progress',
      locked: 0,
      started_at: input.startTime,
      ended_at: null,
      discarded_at: null,
      created_at: input.startTime,
    })
    .execute();
}

/**
 * Ends an in-progress session: its end time, members still present leave at that time, a
 * `session.ended` event, its log completed. False when it is not in progress.
 */
async function endSession(
  trx: Trx,
  projectId: string,
  id: string,
  endTime: number,
  outbox: NewEvent[],
) {
  const session = await trx
    .updateTable('room_sessions')
    .set({ status: 'completed', end_time: endTime, updated_at: endTime })
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .where('status', '=', 'in-progress')
    .returningAll()
    .executeTakeFirst();
  if (!session) return false;
  // Nobody leaves before they joined, whatever end time a crash recovery estimates.
  const left = await trx
    .updateTable('room_session_members')
    .set({
      leave_time: sql<number>`case when join_time > ${endTime} then join_time else ${endTime} end`,
    })
    .where('project_id', '=', projectId)
    .where('room_session_id', '=', id)
    .where('leave_time', 'is', null)
    .returningAll()
    .execute();
  for (const member of left) outbox.push(memberEvent('member.left', member, endTime));
  outbox.push(sessionEvent('session.ended', session, endTime));
  await insertEvent(
    trx,
    {
      id: newOrderedId(),
      projectId,
      roomSessionId: id,
      level: 'info',
      name: 'session.ended',
      payload: { duration: Math.max(0, Math.round((endTime - session.start_time) / 1000)) },
      createdAt: endTime,
    },
    session.room_id ?? id,
  );
  await trx
    .updateTable('video_logs')
    .set({ status: 'completed', ended_at: endTime })
    .where('project_id', '=', projectId)
    .where('room_session_id', '=', id)
    .execute();
  return true;
}

async function lockSession(trx: Trx, projectId: string, id: string, locked: boolean, at: number) {
  const result = await trx
    .updateTable('room_sessions')
    .set({ locked: toFlag(locked), updated_at: at })
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return false;
  await trx
    .updateTable('video_logs')
    .set({ locked: toFlag(locked) })
    .where('project_id', '=', projectId)
    .where('room_session_id', '=', id)
    .execute();
  return true;
}

async function leave(
  db: Kysely<Database>,
  projectId: string,
  memberId: string,
  at: number,
  outbox: NewEvent[],
) {
  const member = await db
    .updateTable('room_session_members')
    .set({ leave_time: at })
    .where('project_id', '=', projectId)
    .where('id', '=', memberId)
    .where('leave_time', 'is', null)
    .returningAll()
    .executeTakeFirst();
  if (member) outbox.push(memberEvent('member.left', member, at));
  return member !== undefined;
}

/** A member's mute, deaf… changed (a `member.updated` session event): its outbox event. */
async function memberUpdated(trx: Trx, event: NewSessionEvent, outbox: NewEvent[]) {
  if (event.roomParticipantId === undefined) return;
  const member = await trx
    .selectFrom('room_session_members')
    .selectAll()
    .where('project_id', '=', event.projectId)
    .where('id', '=', event.roomParticipantId)
    .executeTakeFirst();
  if (member) outbox.push(memberEvent('member.updated', member, event.createdAt, event.payload));
}

export function liveSessionsStore(ctx: StoreContext): LiveSessionsStore {
  return {
    async startRoomSession(input) {
      await ctx.transaction(async (trx) => {
        const outbox: NewEvent[] = [];
        await insertSession(trx, input, outbox);
        await appendEvents(trx, outbox);
      });
    },

    endRoomSession(projectId, id, endTime) {
      return ctx.transaction(async (trx) => {
        const outbox: NewEvent[] = [];
        const ended = await endSession(trx, projectId, id, endTime, outbox);
        await appendEvents(trx, outbox);
        return ended;
      });
    },

    async applySessionWrites(writes) {
      if (writes.length === 0) return;
      await ctx.transaction(async (trx) => {
        // Member and event rows are buffered and inserted many to a statement (a join storm's
        // batch is then two statements); anything that reads or updates rows flushes them first,
        // so the writes keep their order.
        let members: Insertable<Database['room_session_members']>[] = [];
        let events: Insertable<Database['room_session_events']>[] = [];
        // Outbox events, in the order of the writes; appended last, in the same transaction.
        const outbox: NewEvent[] = [];
        const flush = async () => {
          for (let i = 0; i < members.length; i += INSERT_CHUNK) {
            await trx
              .insertInto('room_session_members')
              .values(members.slice(i, i + INSERT_CHUNK))
              .execute();
          }
          for (let i = 0; i < events.length; i += INSERT_CHUNK) {
            await trx
              .insertInto('room_session_events')
              .values(events.slice(i, i + INSERT_CHUNK))
              .execute();
          }
          members = [];
          events = [];
        };
        for (const write of writes) {
          switch (write.kind) {
            case 'member': {
              const row = memberRow(write.member);
              members.push(row);
              outbox.push(
                memberEvent(
                  'member.joined',
                  row as Selectable<Database['room_session_members']>,
                  write.member.joinTime,
                ),
              );
              continue;
            }
            case 'event':
              events.push(eventRow(write.event, write.roomId));
              if (write.event.name !== 'member.updated') continue;
              break;
          }
          await flush();
          switch (write.kind) {
            case 'event':
              await memberUpdated(trx, write.event, outbox);
              break;
            case 'start':
              try {
                await insertSession(trx, write.session, outbox);
              } catch (error) {
                if (ctx.isUniqueViolation(error)) throw new LiveSessionConflictError();
                throw error;
              }
              break;
            case 'left':
              await leave(trx, write.projectId, write.memberId, write.at, outbox);
              break;
            case 'lock':
              await lockSession(trx, write.projectId, write.sessionId, write.locked, write.at);
              break;
            case 'end':
              await endSession(trx, write.projectId, write.sessionId, write.at, outbox);
              break;
          }
        }
        await flush();
        await appendEvents(trx, outbox);
      });
    },

    async findLiveSession(projectId, where) {
      const row = await ctx.run(() => {
        let query = ctx.db
          .selectFrom('room_sessions')
          .select(['id', 'node_id', 'lease_until'])
          .where('project_id', '=', projectId)
          .where('status', '=', 'in-progress');
        if ('conferenceId' in where) query = query.where('conference_id', '=', where.conferenceId);
        else if ('roomId' in where) query = query.where('room_id', '=', where.roomId);
        else query = query.where('room_id', 'is', null).where('name', '=', where.name);
        return query.orderBy('start_time', 'desc').executeTakeFirst();
      });
      return row && { id: row.id, nodeId: row.node_id, leaseUntil: row.lease_until };
    },

    async liveSessionHost(projectId, id) {
      const row = await ctx.run(() =>
        ctx.db
          .selectFrom('room_sessions')
          .select(['node_id', 'lease_until'])
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .where('status', '=', 'in-progress')
          .executeTakeFirst(),
      );
      return row && { nodeId: row.node_id, leaseUntil: row.lease_until };
    },

    async renewSessionLeases(nodeId, sessionIds, leaseUntil) {
      let renewed = 0;
      for (let i = 0; i < sessionIds.length; i += INSERT_CHUNK) {
        const result = await ctx.run(() =>
          ctx.db
            .updateTable('room_sessions')
            .set({ lease_until: leaseUntil })
            .where('status', '=', 'in-progress')
            .where('node_id', '=', nodeId)
            .where('id', 'in', sessionIds.slice(i, i + INSERT_CHUNK))
            .executeTakeFirst(),
        );
        renewed += Number(result.numUpdatedRows);
      }
      return renewed;
    },

    async abandonedSessions(nodeId, now, own) {
      const rows = await ctx.run(() =>
        ctx.db
          .selectFrom('room_sessions')
          .select(['id', 'project_id', 'lease_until', 'start_time'])
          .where('status', '=', 'in-progress')
          .where((eb) => (own ? eb('node_id', '=', nodeId) : eb('lease_until', '<', now)))
          .limit(1000)
          .execute(),
      );
      return rows.map((row) => ({
        projectId: row.project_id,
        id: row.id,
        startTime: row.start_time,
        leaseUntil: row.lease_until,
      }));
    },

    setRoomSessionLocked(projectId, id, locked, at) {
      return ctx.transaction((trx) => lockSession(trx, projectId, id, locked, at));
    },

    addMember(input) {
      return ctx.transaction(async (trx) => {
        if ((await eventRoomIdOf(trx, input.projectId, input.roomSessionId)) === undefined) {
          return false;
        }
        const row = memberRow(input);
        await trx.insertInto('room_session_members').values(row).execute();
        await appendEvents(trx, [
          memberEvent(
            'member.joined',
            row as Selectable<Database['room_session_members']>,
            input.joinTime,
          ),
        ]);
        return true;
      });
    },

    memberLeft(projectId, memberId, leaveTime) {
      return ctx.transaction(async (trx) => {
        const outbox: NewEvent[] = [];
        const left = await leave(trx, projectId, memberId, leaveTime, outbox);
        await appendEvents(trx, outbox);
        return left;
      });
    },

    addEvent(input) {
      return ctx.transaction(async (trx) => {
        const roomId = await eventRoomIdOf(trx, input.projectId, input.roomSessionId);
        if (roomId === undefined) return false;
        await insertEvent(trx, input, roomId);
        return true;
      });
    },
  };
}
