#!/usr/bin/env node
import { loadConfig } from './config.js';
import { startServer } from './server.js';
import { stopSignal } from './stop-signal.js';

/** `npm start`: run Conclave from the environment (D19) until SIGTERM or SIGINT (D21). */
async function main(): Promise<void> {
  const config = loadConfig();
  // Listened for before starting (a SIGTERM while starting still shuts down cleanly).
  const stopped = stopSignal();
  const server = await startServer(config);
  const stop = (signal: string) => {
    server.app.log.info({ signal }, 'shutting down');
    // Live sessions get CONCLAVE_DRAIN_MS to finish here while new ones open on other nodes.
    server
      .drain()
      .then(() => server.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          server.app.log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  void stopped.then(stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`conclave: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
