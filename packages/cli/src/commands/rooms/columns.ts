import type { Room } from '@conclave/sdk';
import type { Column } from '../../output/table.js';

export const ROOM_COLUMNS: Column<Room>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'NAME', value: (r) => r.name },
  { header: 'DISPLAY NAME', value: (r) => r.display_name },
  { header: 'MAX', value: (r) => r.max_members },
  { header: 'JOIN FROM', value: (r) => r.join_from },
  { header: 'JOIN UNTIL', value: (r) => r.join_until },
  { header: 'CREATED', value: (r) => r.created_at },
];

export const ROOM_SESSION_COLUMN: Column<Room> = {
  header: 'SESSION',
  value: (r) => r.active_session?.status ?? null,
};
