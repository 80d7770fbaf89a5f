import type { ClusterNode } from './cluster/cluster-node.js';
import type { Config } from './config.js';
import type { MediaStorage } from './media/media-storage.js';
import type { OutputSupervisor } from './outputs/output-supervisor.js';
import type { LiveEngine } from './realtime/live-engine.js';
import type { Store } from './store/store.js';

/** What route plugins receive: the store and the parts of configuration they need. */
export interface AppContext {
  store: Store;
  config: Pick<Config, 'publicUrl' | 'adminToken' | 'rateLimitPerMinute'>;
  /** Where recording files are kept. */
  media: MediaStorage;
  /** The clock, in Unix milliseconds; tests may replace it. */
  now: () => number;
  /** Recordings and streams of live sessions; routes tell it of streams and recordings changed. */
  outputs: OutputSupervisor;
  /** Live sessions (realtime); routes tell it when a conference or room is deleted. */
  live: LiveEngine;
  /** This process in the node registry: its state (ready, draining) and heartbeat. */
  cluster: ClusterNode;
}
