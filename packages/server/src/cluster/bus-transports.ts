import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { NatsConnection } from 'nats';
import pg from 'pg';
import { parsePostgresUrl } from '../store/postgres/postgres-url.js';

/**
 * Carries text messages between the nodes sharing one database: every node receives what any
 * node publishes (its own included). Delivery is best-effort — a node reconnecting misses what
 * was sent meanwhile — so callers wait for replies with a time limit.
 */
export interface BusTransport {
  readonly name: 'postgres' | 'nats';
  /** Whether messages flow now (connected and listening). */
  readonly connected: boolean;
  start(onMessage: (text: string) => void): Promise<void>;
  publish(text: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * One namespace per database name and schema: deployments sharing a PostgreSQL server or a NATS
 * stay apart, while nodes reaching one database by different host names still meet.
 */
export function busNamespace(databaseUrl: string): string {
  const url = parsePostgresUrl(databaseUrl);
  const database = new URL(url.connectionString).pathname.replace(/^\//, '');
  const scope = `${database}/${url.schema ?? 'public'}`;
  return createHash('sha256').update(scope).digest('hex').slice(0, 16);
}

/**
 * PostgreSQL LISTEN/NOTIFY on one dedicated connection (outside the pool), reconnecting with
 * backoff when it is lost. NOTIFY needs nothing but the database the nodes already share.
 */
export class PgNotifyTransport implements BusTransport {
  readonly name = 'postgres';
  readonly #channel: string;
  readonly #connectionString: string;
  readonly #options: string | undefined;
  #client: pg.Client | undefined;
  #onMessage: (text: string) => void = () => undefined;
  #closed = false;
  #retryMs = 100;
  #retryTimer: NodeJS.Timeout | undefined;

  get connected(): boolean {
    return this.#client !== undefined;
  }

  constructor(
    databaseUrl: string,
    private readonly log: FastifyBaseLogger,
  ) {
    const url = parsePostgresUrl(databaseUrl);
    this.#connectionString = url.connectionString;
    this.#options = url.options || undefined;
    this.#channel = `conclave_${busNamespace(databaseUrl)}`;
  }

  /** Connects; a first attempt that fails is retried in the background, as a lost one is. */
  async start(onMessage: (text: string) => void): Promise<void> {
    this.#onMessage = onMessage;
    await this.#connect().catch((error: unknown) => {
      this.log.warn({ err: error }, 'cluster bus: PostgreSQL not reached; retrying');
      this.#retry();
    });
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#connectionString,
      ...(this.#options ? { options: this.#options } : {}),
      // Named after its channel, so an operator can tell which deployment's bus it is.
      application_name: `${this.#channel}_bus`,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    let lost = false;
    const onLost = (error?: unknown) => {
      if (lost) return;
      lost = true;
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => undefined);
      if (this.#closed) return;
      this.log.warn({ err: error }, 'cluster bus: PostgreSQL connection lost; reconnecting');
      this.#retry();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (n) => {
      if (n.channel === this.#channel && n.payload !== undefined) this.#onMessage(n.payload);
    });
    await client.connect();
    await client.query(`listen "${this.#channel}"`);
    this.#client = client;
    this.#retryMs = 100;
  }

  #retry(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#connect().catch((error: unknown) => {
        this.log.warn({ err: error }, 'cluster bus: PostgreSQL reconnect failed');
        this.#retryMs = Math.min(this.#retryMs * 2, 5_000);
        this.#retry();
      });
    }, this.#retryMs);
    this.#retryTimer.unref();
  }

  async publish(text: string): Promise<void> {
    const client = this.#client;
    if (!client) throw new Error('cluster bus: not connected to PostgreSQL');
    await client.query('select pg_notify($1, $2)', [this.#channel, text]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}

/** NATS (`CONCLAVE_BUS=nats`): one subject per database; the client reconnects by itself. */
export class NatsTransport implements BusTransport {
  readonly name = 'nats';
  readonly #subject: string;
  #nc: NatsConnection | undefined;
  #connecting: Promise<NatsConnection> | undefined;
  #closed = false;
  /** Connected to a NATS server (false between a disconnect and the reconnect). */
  #up = false;

  get connected(): boolean {
    return this.#up && this.#nc !== undefined && !this.#nc.isClosed();
  }

  constructor(
    private readonly natsUrl: string,
    databaseUrl: string,
    private readonly log: FastifyBaseLogger,
  ) {
    this.#subject = `conclave.cluster.${busNamespace(databaseUrl)}`;
  }

  /** Connects; when NATS is not there yet, keeps trying in the background (publishes fail
   *  meanwhile, so requests answer 503) — the node serves what it hosts all along. */
  async start(onMessage: (text: string) => void): Promise<void> {
    // Loaded only by nodes that use NATS.
    const { connect } = await import('nats');
    const connecting = connect({
      servers: this.natsUrl,
      name: 'conclave',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: true,
    });
    this.#connecting = connecting;
    // Usually connected at once; if not, the node starts anyway and connects when it can.
    const settled = connecting.then(
      (nc) => {
        if (this.#closed) void nc.close();
        else this.#subscribe(nc, onMessage);
      },
      (error: unknown) => this.log.error({ err: error }, 'cluster bus: NATS not reached'),
    );
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  }

  #subscribe(nc: NatsConnection, onMessage: (text: string) => void): void {
    this.#nc = nc;
    this.#up = true;
    const decoder = new TextDecoder();
    nc.subscribe(this.#subject, {
      callback: (error, message) => {
        if (error) {
          this.log.warn({ err: error }, 'cluster bus: NATS subscription error');
          return;
        }
        onMessage(decoder.decode(message.data));
      },
    });
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect' || status.type === 'reconnect') {
          this.#up = status.type === 'reconnect';
          this.log.warn({ status: status.type }, 'cluster bus: NATS connection');
        }
      }
    })().catch(() => undefined);
  }

  async publish(text: string): Promise<void> {
    const nc = this.#nc;
    if (!nc || nc.isClosed()) throw new Error('cluster bus: not connected to NATS');
    nc.publish(this.#subject, new TextEncoder().encode(text));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const nc = this.#nc;
    this.#nc = undefined;
    if (nc) await nc.drain().catch(() => undefined);
    else void this.#connecting?.then((c) => c.close()).catch(() => undefined);
  }
}
