#!/usr/bin/env node
import { loadConfig } from './config.js';
import { startServer } from './server.js';

/** `npm start`: run Conclave from the environment (D19) until SIGTERM or SIGINT (D21). */
async function main(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  const stop = (signal: string) => {
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`conclave: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
