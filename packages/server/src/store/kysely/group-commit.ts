import { sql } from 'kysely';
import type { StoreContext, Trx } from './store-context.js';

interface Waiting {
  work: (trx: Trx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit on SQLite's one connection. A write is not run at once: the writes that arrive in
 * the same turn of the event loop (the requests read from every ready socket) are run together in
 * one transaction at the end of that turn. One commit then writes the changed pages to the log
 * for the whole group instead of once per write; nothing is acknowledged before its commit. Each
 * write runs in a savepoint of its own, so one that fails (a taken name) is undone and fails
 * alone.
 */
export class GroupCommit {
  #waiting: Waiting[] = [];
  #scheduled = false;

  constructor(private readonly ctx: StoreContext) {}

  run<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#waiting.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      void this.#commit(this.#waiting.splice(0)).finally(() => {
        this.#scheduled = false;
        this.#schedule();
      });
    });
  }

  async #commit(group: Waiting[]): Promise<void> {
    if (group.length === 1) {
      const [one] = group as [Waiting];
      await this.ctx.transaction(one.work).then(one.resolve, one.reject);
      return;
    }
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      await this.ctx.transaction(async (trx) => {
        for (const { work } of group) {
          await sql`savepoint one_write`.execute(trx);
          try {
            outcomes.push({ ok: true, value: await work(trx) });
          } catch (error) {
            await sql`rollback to one_write`.execute(trx);
            outcomes.push({ ok: false, value: error });
          }
          await sql`release one_write`.execute(trx);
        }
      });
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
      return;
    }
    group.forEach((waiting, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.value);
    });
  }
}
