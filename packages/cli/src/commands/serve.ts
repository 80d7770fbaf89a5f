import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { withExamples } from '../command-support.js';

interface ServeFlags {
  port?: string;
  host?: string;
  databaseUrl?: string;
  publicUrl?: string;
}

/** `conclave serve` — the server itself; every other command is a client of it. */
export function serveCommand(program: Command): Command {
  const command = program
    .command('serve')
    .description('run the Conclave server until SIGTERM or SIGINT (what `npm start` runs)')
    .addHelpText(
      'after',
      '\nThe server reads its settings from the environment: PORT, HOST, DATABASE_URL,\n' +
        'CONCLAVE_PUBLIC_URL, CONCLAVE_PROJECT_ID + CONCLAVE_API_TOKEN (a project ensured at start),\n' +
        'CONCLAVE_ADMIN_TOKEN (enables the admin API), CONCLAVE_RATE_LIMIT, LOG_LEVEL. The flags\n' +
        'above override the first four. On an empty database with no project given, the first\n' +
        'start creates a project and prints its id and API token once. CONCLAVE_TLS_CERT and\n' +
        'CONCLAVE_TLS_KEY (PEM files; SIGHUP reloads them) serve HTTPS and wss on the same port.\n',
    )
    .option('--port <port>', 'port to listen on (PORT, default 8080)')
    .option('--host <address>', 'address to listen on (HOST, default 127.0.0.1)')
    .option(
      '--database-url <url>',
      'SQLite file or sqlite: URL, or postgres://… (DATABASE_URL, default ./data/conclave.sqlite)',
    )
    .option('--public-url <url>', 'base of absolute links (CONCLAVE_PUBLIC_URL)')
    .action(async (flags: ServeFlags) => {
      // Loaded here so that client commands never load the server, its drivers or its database.
      const { loadConfig, startServer, stopSignal } = await import('@conclave/server');
      const env = { ...process.env };
      if (flags.port !== undefined) env.PORT = flags.port;
      if (flags.host !== undefined) env.HOST = flags.host;
      if (flags.databaseUrl !== undefined) env.DATABASE_URL = flags.databaseUrl;
      if (flags.publicUrl !== undefined) env.CONCLAVE_PUBLIC_URL = flags.publicUrl;
      let config: ReturnType<typeof loadConfig>;
      try {
        config = loadConfig(env);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      // Listened for before starting (a SIGTERM while starting still shuts down cleanly).
      const stopped = stopSignal();
      const server = await startServer(config);
      const signal = await stopped;
      server.app.log.info({ signal }, 'shutting down');
      await server.close();
    });
  return withExamples(command, [
    'conclave serve',
    'PORT=9000 DATABASE_URL=postgres://conclave@localhost/conclave conclave serve',
    'CONCLAVE_ADMIN_TOKEN=change-me conclave serve --port 8080 --database-url ./data/dev.sqlite',
  ]);
}
