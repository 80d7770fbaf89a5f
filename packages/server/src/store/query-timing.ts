import type { LogEvent } from 'kysely';

type QueryListener = (seconds: number, failed: boolean) => void;

const listeners = new Set<QueryListener>();

/**
 * Listens to the duration of every query run through Kysely in this process (the metrics'
 * database timing); returns the function that stops listening. Statements prepared outside
 * Kysely (the list pages' raw statements) are not timed.
 */
export function onQueryTimed(listener: QueryListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Kysely's `log` option: passes each query's duration to the listeners. */
export function timeQuery(event: LogEvent): void {
  if (listeners.size === 0) return;
  const seconds = event.queryDurationMillis / 1000;
  for (const listener of listeners) listener(seconds, event.level === 'error');
}
