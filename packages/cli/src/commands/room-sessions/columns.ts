import type {
  RoomRecording,
  RoomSession,
  RoomSessionEvent,
  RoomSessionMember,
} from '@conclave/sdk';
import type { Column } from '../../output/table.js';

export const SESSION_COLUMNS: Column<RoomSession>[] = [
  { header: 'ID', value: (s) => s.id },
  { header: 'NAME', value: (s) => s.name },
  { header: 'ROOM ID', value: (s) => s.room_id },
  { header: 'STATUS', value: (s) => s.status },
  { header: 'STARTED', value: (s) => s.start_time },
  { header: 'ENDED', value: (s) => s.end_time },
  { header: 'DURATION', value: (s) => s.duration },
];

export const MEMBER_COLUMNS: Column<RoomSessionMember>[] = [
  { header: 'ID', value: (m) => m.id },
  { header: 'NAME', value: (m) => m.name },
  { header: 'JOINED', value: (m) => m.join_time },
  { header: 'LEFT', value: (m) => m.leave_time },
  { header: 'DURATION', value: (m) => m.duration },
];

export const EVENT_COLUMNS: Column<RoomSessionEvent>[] = [
  { header: 'TIME', value: (e) => e.created_at },
  { header: 'LEVEL', value: (e) => e.level },
  { header: 'NAME', value: (e) => e.name },
  { header: 'PAYLOAD', value: (e) => JSON.stringify(e.payload) },
];

export const RECORDING_COLUMNS: Column<RoomRecording>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'SESSION', value: (r) => r.room_session_id },
  { header: 'STATUS', value: (r) => r.status },
  { header: 'STARTED', value: (r) => r.started_at },
  { header: 'FINISHED', value: (r) => r.finished_at },
  { header: 'DURATION', value: (r) => r.duration },
  { header: 'SIZE', value: (r) => r.size_in_bytes },
  { header: 'FORMAT', value: (r) => r.format },
];
