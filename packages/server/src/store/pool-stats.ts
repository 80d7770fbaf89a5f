import type { Store } from './store.js';

/** A connection pool's state at one moment. */
export interface PoolStats {
  /** Connections open (in use or idle). */
  open: number;
  /** Open and not in use. */
  idle: number;
  /** Queries waiting for a connection (all in use, `max` reached). */
  waiting: number;
  /** The most it opens (`CONCLAVE_PG_POOL_SIZE`). */
  max: number;
}

const pools = new WeakMap<Store, () => PoolStats>();

/** Says how to read `store`'s connection pool (PostgreSQL's; SQLite has none). */
export function registerPool<S extends Store>(store: S, stats: () => PoolStats): S {
  pools.set(store, stats);
  return store;
}

/** How to read `store`'s connection pool, if it has one. */
export function poolStats(store: Store): (() => PoolStats) | undefined {
  return pools.get(store);
}
