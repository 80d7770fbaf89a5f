import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { eventsPlaced, onEventsAppended } from '../events/event-outbox.js';
import { eventJson } from '../events/events-store.js';
import type { Store } from '../store/store.js';
import { guardedLookup, isPrivateAddress, PrivateAddressError, urlHost } from './ssrf-guard.js';
import { signatureHeader } from './webhook-signature.js';
import type { AttemptOutcome, ClaimedDelivery, DispatchRound } from './webhooks-store.js';

export interface WebhookWorkerOptions {
  /** Deliver to private and loopback addresses (`CONCLAVE_WEBHOOKS_ALLOW_PRIVATE`). */
  allowPrivate: boolean;
  /**
   * How often the outbox (new events of other processes) and the queue (retries that came due,
   * deliveries other processes made) are looked at when there was nothing to do.
   */
  pollMs: number;
  /** The first retry's delay; each next one doubles, up to `retryCapMs` (then jittered). */
  retryBaseMs: number;
  retryCapMs: number;
  /** A delivery is retried this long after its first attempt, then fails. */
  retryWindowMs: number;
  /** An endpoint whose deliveries have failed (none succeeding) this long is disabled. */
  disableAfterMs: number;
  /** One attempt's time limit. */
  timeoutMs: number;
  /**
   * A claimed delivery is this worker's for this long (a dead worker's claim then lapses);
   * default the attempt's time limit plus 5 s.
   */
  leaseMs?: number | undefined;
  /** Deliveries claimed at a time. */
  batch: number;
  /** Jitter's source of randomness, in [0, 1). */
  random: () => number;
  /** Events (with their deliveries and attempts) older than this are swept (`CONCLAVE_EVENTS_RETENTION_DAYS`). */
  retentionMs: number;
  /** How often the retention sweep runs on this node. */
  sweepEveryMs: number;
  /** Most events one sweep round deletes (with their deliveries and attempts). */
  sweepBatch: number;
}

/** Three days. */
const THREE_DAYS_MS = 3 * 24 * 3600 * 1000;

export const WEBHOOK_DEFAULTS: WebhookWorkerOptions = {
  allowPrivate: false,
  pollMs: 500,
  retryBaseMs: 5_000,
  retryCapMs: 3_600_000,
  retryWindowMs: THREE_DAYS_MS,
  disableAfterMs: THREE_DAYS_MS,
  timeoutMs: 10_000,
  batch: 50,
  random: Math.random,
  retentionMs: 30 * 24 * 3600 * 1000,
  sweepEveryMs: 600_000,
  sweepBatch: 1000,
};

/** The body excerpt kept per attempt. */
const EXCERPT_CHARS = 512;
const EVENTS_PER_DISPATCH = 500;
/**
 * After a local append the dispatcher looks again 20 ms, then 100 ms later (used from the end):
 * an appending transaction may not have committed yet when the notification came.
 */
const RECHECK_MS = [100, 20];
/** Another node's dispatcher held the turn (PostgreSQL): try again this soon. */
const CONTENDED_MS = 20;

/**
 * Exponential backoff with equal jitter: the `attempt`-th retry (1-based) waits between half and
 * all of `base · 2^(attempt-1)`, capped.
 */
export function retryDelay(
  attempt: number,
  options: Pick<WebhookWorkerOptions, 'retryBaseMs' | 'retryCapMs' | 'random'>,
): number {
  const ceiling = Math.min(
    options.retryCapMs,
    options.retryBaseMs * 2 ** Math.min(attempt - 1, 40),
  );
  return Math.round(ceiling / 2 + (options.random() * ceiling) / 2);
}

/**
 * Delivers the outbox's events to the webhook endpoints (docs/webhooks.md). Two loops: the
 * dispatcher places new events in the stream (their positions, in commit order) and fans them out
 * into deliveries; the sender claims due deliveries (several workers, on several nodes, share the
 * queue), posts them signed, records every attempt and retries failures with backoff. Events of
 * one session reach an endpoint in order: the next is not sent before the one before it is
 * delivered or given up.
 */
export class WebhookWorker {
  #dispatching: Promise<void> | undefined;
  #sending: Promise<void> | undefined;
  #stopping = false;
  readonly #dispatch = new Wakeable();
  readonly #send = new Wakeable();
  /** Quick second looks left after a local append (RECHECK_MS). */
  #rechecks = 0;
  #unlisten: (() => void) | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #leaseMs: number;
  /** When the next retention sweep is due (clock ms); the first one soon after start. */
  #nextSweep = 0;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly log: FastifyBaseLogger,
    readonly options: WebhookWorkerOptions,
  ) {
    this.#leaseMs = options.leaseMs ?? options.timeoutMs + 5000;
  }

  /** A project's own time (emulator mode's test clocks): when a rotated secret stops signing. */
  #projectNow: (projectId: string) => number = () => this.now();
  useClock(clock: { now(projectId: string): number }): void {
    this.#projectNow = (projectId) => clock.now(projectId);
  }

  start(): void {
    this.#stopping = false;
    this.#unlisten ??= onEventsAppended(() => {
      this.#rechecks = RECHECK_MS.length;
      this.#dispatch.kick();
    });
    this.#dispatching ??= this.#dispatchLoop();
    this.#sending ??= this.#sendLoop();
  }

  /** Look at the outbox and the queue now rather than at the next poll. */
  kick(): void {
    this.#dispatch.kick();
    this.#send.kick();
  }

  /** Stops claiming; attempts in flight finish and are recorded. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#unlisten?.();
    this.#unlisten = undefined;
    this.kick();
    await Promise.all([this.#dispatching, this.#sending]);
    this.#dispatching = undefined;
    this.#sending = undefined;
  }

  /**
   * The dispatcher's round: places new events (the stream sends them from now on) and makes
   * their deliveries. Null when another node's dispatcher held the turn.
   */
  async dispatchOnce(): Promise<DispatchRound | null> {
    const round = await this.store.dispatchEvents(this.now(), EVENTS_PER_DISPATCH);
    if (round && round.events > 0) {
      eventsPlaced();
      if (round.deliveries > 0) this.#send.kick();
    }
    return round;
  }

  /**
   * Places the events committed so far (a reader that wants its own writes listed): rounds until
   * one finds nothing more, waiting while another node's dispatcher has the turn (which places
   * them too); gives up after 10 tries.
   */
  async dispatchNow(): Promise<void> {
    for (let i = 0; i < 10; i++) {
      const round = await this.dispatchOnce();
      if (round && round.events < EVENTS_PER_DISPATCH) return;
      if (!round) await new Promise((resolve) => setTimeout(resolve, CONTENDED_MS));
    }
  }

  /** The sender's round: claims due deliveries and sends them. Returns how many. */
  async sendOnce(): Promise<number> {
    const claimed = await this.store.claimDeliveries(this.now(), this.#leaseMs, this.options.batch);
    await Promise.all(claimed.map((c) => this.#track(this.#chain(c))));
    return claimed.length;
  }

  /**
   * One round of the retention sweep: deletes at most `sweepBatch` events older than the
   * retention, with their deliveries and attempts. Returns the events deleted.
   */
  sweepOnce(): Promise<number> {
    return this.store.sweepEvents(this.now() - this.options.retentionMs, this.options.sweepBatch);
  }

  /** Sweeps when due; a full round is followed by another at the next loop round. */
  async #sweepIfDue(): Promise<void> {
    if (this.now() < this.#nextSweep) return;
    const deleted = await this.sweepOnce();
    this.#nextSweep =
      deleted < this.options.sweepBatch ? this.now() + this.options.sweepEveryMs : 0;
  }

  async #dispatchLoop(): Promise<void> {
    while (!this.#stopping) {
      this.#dispatch.kicked = false;
      let round: DispatchRound | null | undefined;
      try {
        round = await this.dispatchOnce();
      } catch (error) {
        this.log.warn({ err: error }, 'webhooks: dispatch round failed');
      }
      try {
        await this.#sweepIfDue();
      } catch (error) {
        this.#nextSweep = this.now() + this.options.sweepEveryMs;
        this.log.warn({ err: error }, 'webhooks: retention sweep failed');
      }
      // More may have committed meanwhile (PostgreSQL commits need not follow the kick).
      if (round && round.events > 0) continue;
      let wait = this.options.pollMs;
      if (round === null) wait = Math.min(wait, CONTENDED_MS);
      else if (this.#rechecks > 0) wait = Math.min(wait, RECHECK_MS[--this.#rechecks]!);
      await this.#dispatch.sleep(wait, () => this.#stopping);
    }
  }

  async #sendLoop(): Promise<void> {
    while (!this.#stopping) {
      this.#send.kicked = false;
      let sent = 0;
      try {
        sent = await this.sendOnce();
      } catch (error) {
        this.log.warn({ err: error }, 'webhooks: delivery round failed');
      }
      if (sent === 0) await this.#send.sleep(this.options.pollMs, () => this.#stopping);
    }
    await Promise.all(this.#inFlight);
  }

  #track(work: Promise<void>): Promise<void> {
    this.#inFlight.add(work);
    return work.finally(() => this.#inFlight.delete(work));
  }

  /** Sends a delivery, then the next of its endpoint and session while they succeed. */
  async #chain(first: ClaimedDelivery): Promise<void> {
    let claimed: ClaimedDelivery | undefined = first;
    while (claimed) {
      const current: ClaimedDelivery = claimed;
      const outcome = await this.#attempt(current);
      try {
        claimed = await this.store.recordAttempt(
          current,
          outcome,
          this.#stopping ? null : this.#leaseMs,
        );
      } catch (error) {
        // Unrecorded: the claim lapses and the delivery is tried again (at least once).
        this.log.warn(
          { err: error, delivery: current.delivery.id },
          'webhooks: attempt not recorded',
        );
        return;
      }
    }
  }

  async #attempt({ delivery, event, endpoint }: ClaimedDelivery): Promise<AttemptOutcome> {
    const started = this.now();
    const body = eventJson(event);
    const secrets = [endpoint.secret];
    // The rotation wrote its deadline on the project's clock; it is read on the same clock.
    const projectNow = this.#projectNow(endpoint.project_id);
    if (endpoint.previous_secret && (endpoint.previous_secret_until ?? 0) > projectNow) {
      secrets.push(endpoint.previous_secret);
    }
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Conclave-Webhooks/1',
      'conclave-signature': signatureHeader(secrets, Math.floor(started / 1000), body),
      'conclave-event-id': String(event.seq),
      'conclave-event-type': event.type,
      'conclave-delivery-id': delivery.id,
    };
    const result = await post(endpoint.url, headers, body, this.options);
    const at = this.now();
    const base = {
      statusCode: result.statusCode,
      error: result.error,
      responseExcerpt: result.excerpt,
      durationMs: Math.max(0, at - started),
      at,
    };
    if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) {
      return { ...base, ok: true, retryAt: null, disableEndpoint: null };
    }
    const firstAttempt = delivery.first_attempt_at ?? started;
    const retryAt =
      at - firstAttempt >= this.options.retryWindowMs
        ? null
        : at + retryDelay(delivery.attempts + 1, this.options);
    const failingSince = endpoint.failing_since ?? started;
    const disableEndpoint =
      at - failingSince >= this.options.disableAfterMs
        ? `deliveries failed for ${Math.round((at - failingSince) / 60_000)} minutes`
        : null;
    return { ...base, ok: false, retryAt, disableEndpoint };
  }
}

/** A loop's pause that a kick ends early (a kick during the round skips the next pause). */
class Wakeable {
  kicked = false;
  #wake: (() => void) | undefined;

  kick(): void {
    this.kicked = true;
    this.#wake?.();
  }

  async sleep(ms: number, stopping: () => boolean): Promise<void> {
    if (this.kicked || stopping()) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
  }
}

interface PostResult {
  statusCode: number | null;
  error: string | null;
  excerpt: string | null;
}

/** POSTs `body`; never throws: a failure is a result without a status code. */
function post(
  raw: string,
  headers: Record<string, string>,
  body: string,
  options: Pick<WebhookWorkerOptions, 'allowPrivate' | 'timeoutMs'>,
): Promise<PostResult> {
  const failed = (error: unknown): PostResult => ({
    statusCode: null,
    error: error instanceof Error ? error.message || error.name : String(error),
    excerpt: null,
  });
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    return Promise.resolve(failed(error));
  }
  const host = urlHost(url);
  if (!options.allowPrivate && isIP(host) && isPrivateAddress(host)) {
    return Promise.resolve(failed(new PrivateAddressError(host)));
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PostResult>((resolve) => {
    let done = false;
    const finish = (result: PostResult) => {
      if (done) return;
      done = true;
      resolve(result);
    };
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(options.allowPrivate),
        timeout: options.timeoutMs,
      },
      (res: IncomingMessage) => {
        let excerpt = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (excerpt.length < EXCERPT_CHARS) excerpt += chunk;
          if (excerpt.length >= EXCERPT_CHARS) res.destroy();
        });
        const settle = () =>
          finish({
            statusCode: res.statusCode ?? null,
            error: null,
            excerpt: excerpt.slice(0, EXCERPT_CHARS),
          });
        res.on('end', settle);
        res.on('close', settle);
        res.on('error', settle);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', (error) => finish(failed(error)));
    req.end(body);
  });
}
