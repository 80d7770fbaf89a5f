/** Whether a conference or room has a session in progress (`include_active_session`). */
import type { JSX } from 'preact';
import type { Column } from './kit.js';
import { href } from './router.js';

interface WithActiveSession {
  active_session?: { id?: string } | null | undefined;
}

/** The lists' "Now" column: a link to Live when a session is in progress. */
export const nowColumn: Column<WithActiveSession> = {
  label: 'Now',
  render: (r) =>
    r.active_session?.id ? (
      <a class="badge live" href={href('live')}>
        In progress
      </a>
    ) : (
      '—'
    ),
};

/** The details' "Now" row. */
export function InProgress({ resource }: { resource: WithActiveSession }): JSX.Element | string {
  return resource.active_session?.id ? (
    <a href={href('live')}>A session is in progress</a>
  ) : (
    'No session in progress'
  );
}
