import type { HttpClient } from '../../core/http-client.js';
import { Realtime } from '../../realtime/realtime.js';
import { ConferenceTokens } from './conference-tokens.js';
import { Conferences } from './conferences.js';
import { Logs } from './logs.js';
import { RoomRecordings } from './room-recordings.js';
import { RoomSessions } from './room-sessions.js';
import { RoomTokens } from './room-tokens.js';
import { Rooms } from './rooms.js';
import { Streams } from './streams.js';

/** `client.video` — the Video REST API (`/api/video`). */
export class Video {
  /** Conferences, their tokens and their streams. */
  readonly conferences: Conferences;
  /** One conference token: get and reset. */
  readonly conferenceTokens: ConferenceTokens;
  /** Rooms and their streams. */
  readonly rooms: Rooms;
  /** Room tokens: signed JWTs that admit one person to a room. */
  readonly roomTokens: RoomTokens;
  /** One stream of a room or conference: get, update, delete. */
  readonly streams: Streams;
  /** Sessions of rooms and conferences, their members, events and recordings (read-only). */
  readonly roomSessions: RoomSessions;
  /** Recordings: list, get (with a signed, expiring `uri`), delete, events. */
  readonly roomRecordings: RoomRecordings;
  /** Video logs, one per session (a Conclave extension, not in SignalWire's SDK). */
  readonly logs: Logs;
  /** Joins live sessions over the realtime WebSocket endpoint, with a conference or room token. */
  readonly realtime: Realtime;

  constructor(http: HttpClient) {
    this.conferences = new Conferences(http);
    this.conferenceTokens = new ConferenceTokens(http);
    this.rooms = new Rooms(http);
    this.roomTokens = new RoomTokens(http);
    this.streams = new Streams(http);
    this.roomSessions = new RoomSessions(http);
    this.roomRecordings = new RoomRecordings(http);
    this.logs = new Logs(http);
    this.realtime = new Realtime(http.baseUrl);
  }
}
