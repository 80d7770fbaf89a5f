import { joinUrl, type Conference, type ConferenceToken } from '@conclave/sdk';
import type { Column } from '../../output/table.js';

export const CONFERENCE_COLUMNS: Column<Conference>[] = [
  { header: 'ID', value: (c) => c.id },
  { header: 'NAME', value: (c) => c.name },
  { header: 'DISPLAY NAME', value: (c) => c.display_name },
  { header: 'JOIN FROM', value: (c) => c.join_from },
  { header: 'JOIN UNTIL', value: (c) => c.join_until },
  { header: 'SIZE', value: (c) => c.size },
  { header: 'CREATED', value: (c) => c.created_at },
];

export const SESSION_COLUMN: Column<Conference> = {
  header: 'SESSION',
  value: (c) => c.active_session?.status ?? null,
};

export const TOKEN_COLUMNS: Column<ConferenceToken>[] = [
  { header: 'ID', value: (t) => t.id },
  { header: 'NAME', value: (t) => t.name },
  { header: 'TOKEN', value: (t) => t.token },
  { header: 'SCOPES', value: (t) => t.scopes.length },
];

/** `--links`: each token's join link on the server at `baseUrl`. */
export function joinLinkColumn(baseUrl: string): Column<ConferenceToken> {
  return { header: 'JOIN LINK', value: (t) => joinUrl(baseUrl, t.token) };
}
