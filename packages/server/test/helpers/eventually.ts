import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls until `check` passes (or throws its last failure after `timeoutMs`): for what the server
 * does just after it answers, such as the live engine's writes.
 */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(25);
    }
  }
}
