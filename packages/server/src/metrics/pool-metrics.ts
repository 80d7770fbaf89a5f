import { Gauge, type Registry } from 'prom-client';
import { poolStats } from '../store/pool-stats.js';
import type { Store } from '../store/store.js';

/**
 * `conclave_db_pool_connections{state="open"|"idle"|"waiting"|"max"}`, read at each scrape, for a
 * store with a connection pool; nothing for one without (SQLite: one connection in the process).
 */
export function registerPoolMetrics(registry: Registry, store: Store): void {
  const stats = poolStats(store);
  if (!stats) return;
  new Gauge({
    name: 'conclave_db_pool_connections',
    help:
      'The database connection pool: connections open and idle, queries waiting for one, and ' +
      'the most it opens',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const now = stats();
      this.set({ state: 'open' }, now.open);
      this.set({ state: 'idle' }, now.idle);
      this.set({ state: 'waiting' }, now.waiting);
      this.set({ state: 'max' }, now.max);
    },
  });
}
