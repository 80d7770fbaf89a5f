/**
 * From the token a client presents to what it may join and under which rules (a "ticket"). Only
 * reads: admitting someone is the engine's decision, taken against the live session.
 */
import {
  CLOSE_CODES,
  CONFERENCE_SIZE_LIMITS,
  THEME_COLOR_FIELDS,
  type CloseReason,
  type ConferenceSize,
  type LiveSessionColors,
  type RefusedMessage,
  type ThemeColorField,
} from '@conclave/schema';
import { RoomTokenRejected, verifyRoomToken } from '../auth/room-tokens.js';
import type { ProjectClock } from '../lib/project-clock.js';
import { formatSeconds } from '../lib/time.js';
import type { LiveSessionKey, Store } from '../store/store.js';

/** The conference's, room's or auto-created session's settings, read fresh at every join. */
export interface SessionSettings {
  name: string;
  displayName: string | null;
  conferenceId: string | null;
  roomId: string | null;
  layout: string;
  quality: string | null;
  fps: number | null;
  maxMembers: number;
  /** Unix seconds. */
  joinFrom: number | null;
  joinUntil: number | null;
  removeAt: number | null;
  removeAfterSecondsElapsed: number | null;
  enableChat: boolean;
  recordOnStart: boolean;
  enableRoomPreviews: boolean;
  audioVideoSync: boolean;
  toneOnEntryAndExit: boolean;
  /** The conference's theme colours; all null for rooms, which have none. */
  colors: LiveSessionColors;
  roomJoinVideoOff: boolean;
  userJoinVideoOff: boolean;
  prioritizeHandraise: boolean;
}

export interface Ticket {
  projectId: string;
  /** Identifies the live session within the project. */
  key: string;
  where: LiveSessionKey;
  scopes: ReadonlySet<string>;
  /** The name the token fixes (a room token's `user_name`), if any. */
  name: string | undefined;
  joinAs: 'member' | 'audience';
  audioMuted: boolean;
  videoMuted: boolean;
  /** The token's own limits (Unix seconds), on top of the session's. */
  joinFrom: number | undefined;
  joinUntil: number | undefined;
  removeAt: number | undefined;
  removeAfterSecondsElapsed: number | undefined;
  endSessionOnLeave: boolean;
  settings: SessionSettings;
}

/** The join window that refused a join (Unix seconds), told to the client. */
export interface RefusalTimes {
  /** When joining opens (`too_early`). */
  joinFrom?: number;
  /** When joining closed: the `join_until` or `remove_at` that applied (`too_late`). */
  joinUntil?: number;
}

/** A join refused before it reaches a session: the close code's reason. */
export class Refused extends Error {
  constructor(
    readonly reason: CloseReason,
    message: string,
    /** A standard close code instead of the reason's own (1001 while the server stops). */
    readonly code?: number,
    readonly closeReason?: string,
    readonly times: RefusalTimes = {},
  ) {
    super(message);
    this.name = 'Refused';
  }
}

/**
 * The `refused` frame sent before the close; none when the close takes a standard code instead of
 * the reason's own (1001 while the server stops, a session that ended as the join was written).
 */
export function refusedMessage(refusal: Refused): RefusedMessage | undefined {
  if (refusal.code !== undefined && refusal.code !== CLOSE_CODES[refusal.reason]) return undefined;
  const { joinFrom, joinUntil } = refusal.times;
  return {
    type: 'refused',
    reason: refusal.reason,
    message: refusal.message,
    ...(joinFrom === undefined ? {} : { join_from: formatSeconds(joinFrom) }),
    ...(joinUntil === undefined ? {} : { join_until: formatSeconds(joinUntil) }),
  };
}

/** A join refused because the server is stopping: 1001, as for everyone else (not final). */
export const shuttingDown = () =>
  new Refused('session_ended', 'server shutting down', 1001, 'server shutting down');

const CONFERENCE_TOKEN = /^vpt_[0-9a-f]{32}$/;

/** The session's colours, field by field. */
function colorsOf(value: (field: ThemeColorField) => string | null): LiveSessionColors {
  const colors = {} as LiveSessionColors;
  for (const field of THEME_COLOR_FIELDS) colors[field] = value(field);
  return colors;
}
/** Rooms (and auto-created sessions) have no theme colours: clients use their own. */
const NO_COLORS: Readonly<LiveSessionColors> = Object.freeze(colorsOf(() => null));

/** Rooms' defaults (the room create schema's) for a session auto-created from a room token. */
const AUTO_ROOM_MAX_MEMBERS = 20;
const AUTO_ROOM_LAYOUT = 'grid-responsive';

/** `clock`: the time a room token is checked at, for its project (default: the wall clock). */
export async function admit(store: Store, token: string, clock?: ProjectClock): Promise<Ticket> {
  if (token.startsWith('vpt_')) return conferenceTicket(store, token);
  return roomTicket(store, token, clock);
}

async function conferenceTicket(store: Store, token: string): Promise<Ticket> {
  if (!CONFERENCE_TOKEN.test(token)) throw new Refused('invalid_token', 'malformed token');
  // A deleted conference takes its tokens with it (D12): its token is then unknown.
  const found = await store.findConferenceTokenByValue(token);
  if (!found) throw new Refused('invalid_token', 'unknown or reset token');
  const conference = found.conference;
  const f = conference.fields;
  // D-size: a conference without a size admits as many as the largest size (E36).
  const size = (f.size ?? 'large') as ConferenceSize;
  return {
    projectId: found.projectId,
    key: `c:${found.conferenceId}`,
    where: { conferenceId: found.conferenceId },
    scopes: new Set(found.scopes),
    name: undefined,
    joinAs: 'member',
    audioMuted: false,
    videoMuted: f.user_join_video_off,
    joinFrom: undefined,
    joinUntil: undefined,
    removeAt: undefined,
    removeAfterSecondsElapsed: undefined,
    endSessionOnLeave: false,
    settings: {
      name: conference.wire.name,
      displayName: f.display_name,
      conferenceId: found.conferenceId,
      roomId: null,
      layout: f.layout,
      quality: f.quality,
      fps: null,
      maxMembers: CONFERENCE_SIZE_LIMITS[size],
      joinFrom: f.join_from,
      joinUntil: f.join_until,
      removeAt: null,
      removeAfterSecondsElapsed: null,
      enableChat: f.enable_chat,
      recordOnStart: f.record_on_start,
      enableRoomPreviews: f.enable_room_previews ?? false,
      audioVideoSync: false,
      toneOnEntryAndExit: f.tone_on_entry_and_exit,
      colors: colorsOf((field) => f[field]),
      roomJoinVideoOff: f.room_join_video_off,
      userJoinVideoOff: f.user_join_video_off,
      prioritizeHandraise: false,
    },
  };
}

async function roomTicket(store: Store, token: string, clock?: ProjectClock): Promise<Ticket> {
  let grants;
  try {
    grants = await verifyRoomToken(store, token, clock ? { now: (p) => clock.now(p) } : {});
  } catch (error) {
    if (error instanceof RoomTokenRejected) throw new Refused('invalid_token', error.message);
    throw error;
  }
  const room = await store.getRoomByName(grants.projectId, grants.roomName);
  if (!room && !grants.autoCreateRoom) {
    throw new Refused('not_found', 'no room has this name and the token does not create one');
  }
  const common = {
    projectId: grants.projectId,
    scopes: new Set<string>(grants.permissions),
    name: grants.userName,
    joinAs: grants.joinAs === 'audience' ? ('audience' as const) : ('member' as const),
    audioMuted: grants.joinAudioMuted || grants.joinAs === 'audience',
    videoMuted: grants.joinVideoMuted || grants.joinAs === 'audience',
    joinFrom: grants.joinFrom,
    joinUntil: grants.joinUntil,
    removeAt: grants.removeAt,
    removeAfterSecondsElapsed: grants.removeAfterSecondsElapsed,
    endSessionOnLeave: grants.endRoomSessionOnLeave,
  };
  if (room) {
    const f = room.fields;
    return {
      ...common,
      key: `r:${room.wire.id}`,
      where: { roomId: room.wire.id },
      videoMuted: common.videoMuted || f.user_join_video_off,
      settings: {
        name: room.wire.name,
        displayName: f.display_name,
        conferenceId: null,
        roomId: room.wire.id,
        layout: f.layout,
        quality: f.quality,
        fps: room.wire.fps,
        maxMembers: f.max_members,
        joinFrom: f.join_from,
        joinUntil: f.join_until,
        removeAt: f.remove_at,
        removeAfterSecondsElapsed: f.remove_after_seconds_elapsed,
        enableChat: true,
        recordOnStart: f.record_on_start,
        enableRoomPreviews: f.enable_room_previews ?? false,
        audioVideoSync: f.sync_audio_video ?? false,
        toneOnEntryAndExit: f.tone_on_entry_and_exit,
        colors: NO_COLORS,
        roomJoinVideoOff: f.room_join_video_off,
        userJoinVideoOff: f.user_join_video_off,
        prioritizeHandraise: f.prioritize_handraise,
      },
    };
  }
  // An auto-created session: no room row, the token's room name (E37).
  return {
    ...common,
    key: `n:${grants.roomName}`,
    where: { name: grants.roomName },
    settings: {
      name: grants.roomName,
      displayName: grants.roomDisplayName ?? null,
      conferenceId: null,
      roomId: null,
      layout: AUTO_ROOM_LAYOUT,
      quality: null,
      fps: null,
      maxMembers: AUTO_ROOM_MAX_MEMBERS,
      joinFrom: null,
      joinUntil: null,
      removeAt: null,
      removeAfterSecondsElapsed: null,
      enableChat: true,
      recordOnStart: false,
      enableRoomPreviews: grants.enableRoomPreviews,
      audioVideoSync: grants.syncAudioVideo,
      toneOnEntryAndExit: true,
      colors: NO_COLORS,
      roomJoinVideoOff: false,
      userJoinVideoOff: false,
      prioritizeHandraise: false,
    },
  };
}
