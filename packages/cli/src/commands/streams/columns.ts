import type { Stream } from '@conclave/sdk';
import type { Column } from '../../output/table.js';

export const STREAM_COLUMNS: Column<Stream>[] = [
  { header: 'ID', value: (s) => s.id },
  { header: 'TYPE', value: (s) => s.stream_type },
  { header: 'URL', value: (s) => s.url },
  { header: 'CREATED', value: (s) => s.created_at },
];
