import type { Config } from './config.js';
import type { Store } from './store/store.js';

/** What route plugins receive: the store and the parts of configuration they need. */
export interface AppContext {
  store: Store;
  config: Pick<Config, 'publicUrl' | 'adminToken' | 'rateLimitPerMinute'>;
  /** The clock, in Unix milliseconds; tests may replace it. */
  now: () => number;
}
