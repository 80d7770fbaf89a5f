import { StoreUnavailableError, type SessionWrite, type Store } from '../store/store.js';

interface Pending {
  writes: readonly SessionWrite[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The live engine's writes, in the order they happen, committed in batches: whatever arrives while
 * one transaction runs goes into the next (group commit). A join storm of hundreds of members then
 * costs a handful of transactions, and every write of a session lands after the ones before it.
 */
export class WriteQueue {
  #pending: Pending[] = [];
  #running: Promise<void> | undefined;

  constructor(private readonly store: Store) {}

  /** Resolves once the writes are committed; rejects when their batch failed. */
  write(...writes: SessionWrite[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ writes, resolve, reject });
      this.#running ??= this.#drain();
    });
  }

  /** Resolves when everything written so far is committed (or has failed). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending;
        this.#pending = [];
        try {
          await this.store.applySessionWrites(batch.flatMap((p) => p.writes));
          for (const p of batch) p.resolve();
        } catch (error) {
          // The database is down: retrying each request would only wait out each one's timeout.
          if (batch.length === 1 || error instanceof StoreUnavailableError) {
            for (const p of batch) p.reject(error);
            continue;
          }
          // One bad write must not fail its neighbours: the batch again, one request at a time.
          for (const p of batch) {
            try {
              await this.store.applySessionWrites(p.writes);
              p.resolve();
            } catch (each) {
              p.reject(each);
            }
          }
        }
      }
    } finally {
      this.#running = undefined;
    }
  }
}
