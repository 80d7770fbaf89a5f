import { parseMediaConfig, type MediaConfig } from '@conclave/media';

/** D19: configuration by environment. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  publicUrl: string;
  projectId: string | undefined;
  apiToken: string | undefined;
  adminToken: string | undefined;
  logLevel: string;
  /** Requests per minute per client address; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Most simultaneous connections the HTTP server accepts. */
  maxConnections: number;
  sqliteSynchronous: 'NORMAL' | 'FULL';
  /** PostgreSQL pool settings (`CONCLAVE_PG_*`), for a `postgres://` `databaseUrl`. */
  postgres: PostgresPoolSettings;
  /** Directory of recording files (`CONCLAVE_MEDIA_DIR`, default `./data/media`). */
  mediaDir: string;
  /** Live sessions and the realtime endpoint (docs/realtime-protocol.md). */
  realtime: RealtimeConfig;
  /** Audio and video through Conclave (`CONCLAVE_MEDIA*`, `CONCLAVE_ICE_SERVERS`). */
  media: MediaConfig;
  /** HTTPS (and wss) on `port` when `CONCLAVE_TLS_CERT` and `CONCLAVE_TLS_KEY` are set. */
  tls: TlsConfig | undefined;
  /** `CONCLAVE_EMULATOR=1`: emulator features under the admin API (tests and CI only). */
  emulator: boolean;
  /** Webhook deliveries (`CONCLAVE_WEBHOOK*`; docs/webhooks.md). */
  webhooks: WebhookSettings;
  /** `CONCLAVE_METRICS_TOKEN`: when set, `/metrics` asks for it as a bearer token. */
  metricsToken: string | undefined;
  /** Several nodes on one database (docs/several-nodes.md). */
  cluster: ClusterSettings;
}

export interface ClusterSettings {
  /** `CONCLAVE_NODE_URL`: where the other nodes reach this one (default `http://<host>:<port>`). */
  nodeUrl: string;
  /** `CONCLAVE_DRAIN_MS` (60000): after SIGTERM, how long live sessions may go on before they end. */
  drainMs: number;
  /** `CONCLAVE_BUS`: how nodes message each other — `postgres` (LISTEN/NOTIFY; the default on
   *  PostgreSQL), `nats`, or `none` (the default on SQLite: one node). */
  bus: 'postgres' | 'nats' | 'none';
  /** `CONCLAVE_NATS_URL` (`nats://127.0.0.1:4222`), for `CONCLAVE_BUS=nats`. */
  natsUrl: string;
  /** `CONCLAVE_NODE_HEARTBEAT_MS` (5000): how often the node writes its load to the registry; a
   *  node silent for three of them is no longer listed as up. */
  heartbeatMs: number;
}

/** Each undefined when not set: the store's default applies (docs: PostgreSQL and several processes). */
export interface PostgresPoolSettings {
  /** `CONCLAVE_PG_POOL_SIZE`: most connections this process opens (default 10). */
  max: number | undefined;
  /** `CONCLAVE_PG_STATEMENT_TIMEOUT_MS`: longest a statement may run (default 10 000). */
  statementTimeoutMs: number | undefined;
  /** `CONCLAVE_PG_CONNECT_TIMEOUT_MS`: longest wait for a connection (default 5 000). */
  connectTimeoutMs: number | undefined;
}

/** Reads `CONCLAVE_PG_*`. */
export function parsePostgresPoolSettings(
  env: NodeJS.ProcessEnv = process.env,
): PostgresPoolSettings {
  const optional = (name: string, min: number) => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : integer(name, value, 0, min);
  };
  return {
    max: optional('CONCLAVE_PG_POOL_SIZE', 1),
    statementTimeoutMs: optional('CONCLAVE_PG_STATEMENT_TIMEOUT_MS', 100),
    connectTimeoutMs: optional('CONCLAVE_PG_CONNECT_TIMEOUT_MS', 100),
  };
}

/** Paths of PEM files, read at start and again on SIGHUP (a renewed certificate). */
export interface TlsConfig {
  /** `CONCLAVE_TLS_CERT`: the certificate, followed by its intermediates. */
  certFile: string;
  /** `CONCLAVE_TLS_KEY`: the private key. */
  keyFile: string;
}

/** Both `CONCLAVE_TLS_CERT` and `CONCLAVE_TLS_KEY`, or neither. */
export function parseTlsConfig(env: NodeJS.ProcessEnv = process.env): TlsConfig | undefined {
  const certFile = env.CONCLAVE_TLS_CERT || undefined;
  const keyFile = env.CONCLAVE_TLS_KEY || undefined;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) {
    throw new Error(
      `CONCLAVE_TLS_CERT and CONCLAVE_TLS_KEY go together: ${certFile ? 'CONCLAVE_TLS_KEY' : 'CONCLAVE_TLS_CERT'} is not set`,
    );
  }
  return { certFile, keyFile };
}

/** The live-session settings' defaults (also for apps built without loadConfig, as in tests). */
export const REALTIME_DEFAULTS = {
  graceMs: 15_000,
  heartbeatMs: 15_000,
  joinTimeoutMs: 10_000,
  leaseMs: 30_000,
  framesPerSecond: 500,
  relayPingMs: 10_000,
  relayMaxConnectionsPerProject: 1000,
} as const;

export interface RealtimeConfig {
  /** `CONCLAVE_NODE_ID`; default `<hostname>:<port>` — stable across restarts of one server. */
  nodeId: string | undefined;
  /** `CONCLAVE_RECONNECT_GRACE_MS` (15000): a dropped member's place is kept this long. */
  graceMs: number;
  /** `CONCLAVE_HEARTBEAT_MS` (15000): ping interval; no pong by the next one drops the peer. */
  heartbeatMs: number;
  /** `CONCLAVE_JOIN_TIMEOUT_MS` (10000): a connection must join within this time. */
  joinTimeoutMs: number;
  /** `CONCLAVE_SESSION_LEASE_MS` (30000): how long a crashed host's sessions stay in progress. */
  leaseMs: number;
  /** `CONCLAVE_REALTIME_FRAME_RATE` (500): frames per second one connection may send. */
  framesPerSecond: number;
  /** `CONCLAVE_RELAY_PING_MS` (10000): `signalwire.ping` interval on the SignalWire relay
   *  (SignalWire's SDK reconnects when 15 s pass without one). */
  relayPingMs: number;
  /** `CONCLAVE_RELAY_MAX_CONNECTIONS_PER_PROJECT` (1000): connected relay sockets per project. */
  relayMaxConnectionsPerProject: number;
}

/** `CONCLAVE_MEDIA_DIR`, or `./data/media`. */
export function defaultMediaDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CONCLAVE_MEDIA_DIR || './data/media';
}

function integer(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}`);
  return n;
}

/** `CONCLAVE_EMULATOR`: on only when asked for in so many words; it needs the admin token. */
/** Three days, in milliseconds. */
const THREE_DAYS_MS = 3 * 24 * 3600 * 1000;

export interface WebhookSettings {
  /** `CONCLAVE_WEBHOOKS_ALLOW_PRIVATE=1`: endpoints may be private or loopback addresses. */
  allowPrivate: boolean;
  /** `CONCLAVE_WEBHOOK_RETRY_WINDOW_MS` (3 days): a failing delivery is retried this long. */
  retryWindowMs: number;
  /** `CONCLAVE_WEBHOOK_DISABLE_AFTER_MS` (3 days): an endpoint failing this long is disabled. */
  disableAfterMs: number;
  /** `CONCLAVE_WEBHOOK_TIMEOUT_MS` (10000): one attempt's time limit. */
  timeoutMs: number;
  /** `CONCLAVE_EVENTS_RETENTION_DAYS` (30): events, deliveries and attempts are kept this long. */
  retentionMs: number;
}

/** Reads `CONCLAVE_WEBHOOK*`. */
export function parseWebhookSettings(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  const allow = (env.CONCLAVE_WEBHOOKS_ALLOW_PRIVATE ?? '').toLowerCase();
  if (!['', '0', '1', 'true', 'false'].includes(allow)) {
    throw new Error('CONCLAVE_WEBHOOKS_ALLOW_PRIVATE must be 1 or 0');
  }
  return {
    allowPrivate: allow === '1' || allow === 'true',
    retryWindowMs: integer(
      'CONCLAVE_WEBHOOK_RETRY_WINDOW_MS',
      env.CONCLAVE_WEBHOOK_RETRY_WINDOW_MS,
      THREE_DAYS_MS,
      1000,
    ),
    disableAfterMs: integer(
      'CONCLAVE_WEBHOOK_DISABLE_AFTER_MS',
      env.CONCLAVE_WEBHOOK_DISABLE_AFTER_MS,
      THREE_DAYS_MS,
      1000,
    ),
    timeoutMs: integer('CONCLAVE_WEBHOOK_TIMEOUT_MS', env.CONCLAVE_WEBHOOK_TIMEOUT_MS, 10_000, 100),
    retentionMs:
      integer('CONCLAVE_EVENTS_RETENTION_DAYS', env.CONCLAVE_EVENTS_RETENTION_DAYS, 30, 1) *
      24 *
      3600 *
      1000,
  };
}

export function parseEmulator(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CONCLAVE_EMULATOR ?? '').toLowerCase();
  if (value === '' || value === '0' || value === 'false' || value === 'off') return false;
  if (value !== '1' && value !== 'true' && value !== 'on') {
    throw new Error('CONCLAVE_EMULATOR must be 1 (on) or 0 (off)');
  }
  if (!env.CONCLAVE_ADMIN_TOKEN) {
    throw new Error('CONCLAVE_EMULATOR needs CONCLAVE_ADMIN_TOKEN: its routes are admin routes');
  }
  return true;
}

/** `CONCLAVE_BUS`: a bus needs PostgreSQL (on SQLite there is one node, and nothing to tell). */
function parseBus(env: NodeJS.ProcessEnv, databaseUrl: string): 'postgres' | 'nats' | 'none' {
  const postgres = /^postgres(ql)?:\/\//.test(databaseUrl);
  const bus = (env.CONCLAVE_BUS || (postgres ? 'postgres' : 'none')).toLowerCase();
  if (bus !== 'postgres' && bus !== 'nats' && bus !== 'none') {
    throw new Error('CONCLAVE_BUS must be postgres, nats or none');
  }
  if (bus !== 'none' && !postgres) {
    throw new Error(
      `CONCLAVE_BUS=${bus} needs a PostgreSQL DATABASE_URL (several nodes share one)`,
    );
  }
  return bus;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer('PORT', env.PORT, 8080);
  const host = env.HOST || '127.0.0.1';
  const synchronous = (env.CONCLAVE_SQLITE_SYNCHRONOUS || 'NORMAL').toUpperCase();
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    throw new Error('CONCLAVE_SQLITE_SYNCHRONOUS must be NORMAL or FULL');
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const databaseUrl = env.DATABASE_URL || './data/conclave.sqlite';
  const tls = parseTlsConfig(env);
  return {
    port,
    host,
    databaseUrl,
    publicUrl: (
      env.CONCLAVE_PUBLIC_URL || `${tls ? 'https' : 'http'}://${urlHost}:${port}`
    ).replace(/\/+$/, ''),
    projectId: env.CONCLAVE_PROJECT_ID || undefined,
    apiToken: env.CONCLAVE_API_TOKEN || undefined,
    adminToken: env.CONCLAVE_ADMIN_TOKEN || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    rateLimitPerMinute: integer('CONCLAVE_RATE_LIMIT', env.CONCLAVE_RATE_LIMIT, 60000),
    maxConnections: integer('CONCLAVE_MAX_CONNECTIONS', env.CONCLAVE_MAX_CONNECTIONS, 10000, 1),
    sqliteSynchronous: synchronous,
    postgres: parsePostgresPoolSettings(env),
    mediaDir: defaultMediaDir(env),
    media: parseMediaConfig(env, host),
    tls,
    emulator: parseEmulator(env),
    webhooks: parseWebhookSettings(env),
    metricsToken: env.CONCLAVE_METRICS_TOKEN || undefined,
    cluster: {
      nodeUrl: (env.CONCLAVE_NODE_URL || `${tls ? 'https' : 'http'}://${urlHost}:${port}`).replace(
        /\/+$/,
        '',
      ),
      drainMs: integer('CONCLAVE_DRAIN_MS', env.CONCLAVE_DRAIN_MS, 60_000),
      bus: parseBus(env, databaseUrl),
      natsUrl: env.CONCLAVE_NATS_URL || 'nats://127.0.0.1:4222',
      heartbeatMs: integer('CONCLAVE_NODE_HEARTBEAT_MS', env.CONCLAVE_NODE_HEARTBEAT_MS, 5_000, 50),
    },
    realtime: {
      nodeId: env.CONCLAVE_NODE_ID || undefined,
      graceMs: integer(
        'CONCLAVE_RECONNECT_GRACE_MS',
        env.CONCLAVE_RECONNECT_GRACE_MS,
        REALTIME_DEFAULTS.graceMs,
      ),
      heartbeatMs: integer(
        'CONCLAVE_HEARTBEAT_MS',
        env.CONCLAVE_HEARTBEAT_MS,
        REALTIME_DEFAULTS.heartbeatMs,
        10,
      ),
      joinTimeoutMs: integer(
        'CONCLAVE_JOIN_TIMEOUT_MS',
        env.CONCLAVE_JOIN_TIMEOUT_MS,
        REALTIME_DEFAULTS.joinTimeoutMs,
        10,
      ),
      leaseMs: integer(
        'CONCLAVE_SESSION_LEASE_MS',
        env.CONCLAVE_SESSION_LEASE_MS,
        REALTIME_DEFAULTS.leaseMs,
        300,
      ),
      framesPerSecond: integer(
        'CONCLAVE_REALTIME_FRAME_RATE',
        env.CONCLAVE_REALTIME_FRAME_RATE,
        REALTIME_DEFAULTS.framesPerSecond,
        1,
      ),
      relayPingMs: integer(
        'CONCLAVE_RELAY_PING_MS',
        env.CONCLAVE_RELAY_PING_MS,
        REALTIME_DEFAULTS.relayPingMs,
        10,
      ),
      relayMaxConnectionsPerProject: integer(
        'CONCLAVE_RELAY_MAX_CONNECTIONS_PER_PROJECT',
        env.CONCLAVE_RELAY_MAX_CONNECTIONS_PER_PROJECT,
        REALTIME_DEFAULTS.relayMaxConnectionsPerProject,
        1,
      ),
    },
  };
}
