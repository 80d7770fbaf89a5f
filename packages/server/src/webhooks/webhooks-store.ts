import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '@conclave/schema';
import { sql, type Selectable } from 'kysely';
import { appendEvent } from '../events/event-outbox.js';
import type { PlacedEvent } from '../events/events-store.js';
import { newOrderedId } from '../lib/ids.js';
import { formatMillis } from '../lib/time.js';
import type {
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookEndpointsTable,
} from '../store/database.js';
import type { StoreContext, Trx } from '../store/kysely/store-context.js';

export type EndpointRow = Selectable<WebhookEndpointsTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type AttemptRow = Selectable<WebhookAttemptsTable>;

export interface NewEndpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: readonly string[];
  enabled: boolean;
  secret: string;
  createdAt: number;
}

export interface EndpointChange {
  url?: string | undefined;
  description?: string | null | undefined;
  eventTypes?: readonly string[] | undefined;
  enabled?: boolean | undefined;
}

/** A delivery a worker has claimed, with what it sends and where. */
export interface ClaimedDelivery {
  delivery: DeliveryRow;
  event: PlacedEvent;
  endpoint: EndpointRow;
}

/** What an attempt found, and what follows from it (decided by the worker's policy). */
export interface AttemptOutcome {
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  durationMs: number;
  /** Unix ms. */
  at: number;
  ok: boolean;
  /** When failed: the next try (Unix ms), or null to give up (the delivery fails). */
  retryAt: number | null;
  /** When failed: the endpoint has failed for so long it is disabled now. */
  disableEndpoint: string | null;
}

export interface WebhooksStore {
  createWebhookEndpoint(projectId: string, input: NewEndpoint): Promise<EndpointRow>;
  listWebhookEndpoints(projectId: string): Promise<EndpointRow[]>;
  getWebhookEndpoint(projectId: string, id: string): Promise<EndpointRow | undefined>;
  updateWebhookEndpoint(
    projectId: string,
    id: string,
    change: EndpointChange,
    at: number,
  ): Promise<EndpointRow | undefined>;
  /** Deletes the endpoint with its deliveries and attempts. */
  deleteWebhookEndpoint(projectId: string, id: string): Promise<boolean>;
  /** A new secret; the current one stays valid (signs too) until `previousUntil` (Unix ms). */
  rotateWebhookSecret(
    projectId: string,
    id: string,
    secret: string,
    previousUntil: number,
    at: number,
  ): Promise<EndpointRow | undefined>;
  /**
   * The dispatcher's round, one transaction: the oldest events not dispatched yet (up to
   * `limit`, in `seq` order) get the next stream positions (their public ids, in the order they
   * are seen here, which is commit order: one dispatcher at a time) and become one pending
   * delivery per enabled endpoint of their project whose types match (and that existed when
   * the event happened); every one of them is flagged dispatched, whether an endpoint wanted it
   * or not. Returns the events placed and the deliveries made, or null when another node's
   * dispatcher holds the turn (PostgreSQL).
   */
  dispatchEvents(now: number, limit: number): Promise<DispatchRound | null>;
  /**
   * Claims up to `limit` due deliveries until `now + leaseMs`: each the earliest pending one of
   * its endpoint and ordering key, of an enabled endpoint, claimed by nobody else (SKIP LOCKED on
   * PostgreSQL).
   */
  claimDeliveries(now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]>;
  /**
   * Records an attempt and its outcome. After a success and with `leaseMs`, claims the next
   * pending delivery of the same endpoint and ordering key if it is due (the chain goes on
   * without waiting for a poll).
   */
  recordAttempt(
    claimed: ClaimedDelivery,
    outcome: AttemptOutcome,
    leaseMs: number | null,
  ): Promise<ClaimedDelivery | undefined>;
  listWebhookDeliveries(
    projectId: string,
    endpointId: string,
    limit: number,
    before: string | undefined,
  ): Promise<WebhookDelivery[]>;
  listWebhookAttempts(
    projectId: string,
    endpointId: string,
    limit: number,
    before: number | undefined,
  ): Promise<WebhookAttempt[]>;
  /** A new pending delivery of the same event; undefined when the delivery is not the endpoint's. */
  replayWebhookDelivery(
    projectId: string,
    endpointId: string,
    deliveryId: string,
    now: number,
  ): Promise<WebhookDelivery | undefined>;
  /** New pending deliveries of the project's matching events since `since` (Unix ms). */
  replayWebhookEventsSince(
    projectId: string,
    endpointId: string,
    since: number,
    now: number,
  ): Promise<number | undefined>;
}

export interface DispatchRound {
  events: number;
  deliveries: number;
}

/** The lock that lets one node at a time fan events out (PostgreSQL), keeping their order. */
const DISPATCH_LOCK = 0x0c0c_1a7e;
/** Most deliveries one replay makes. */
export const MAX_REPLAY = 10_000;

export function rowToWebhookEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    event_types: JSON.parse(row.event_types) as string[],
    enabled: row.enabled !== 0,
    disabled_reason: row.disabled_reason,
    previous_secret_expires_at:
      row.previous_secret_until === null ? null : formatMillis(row.previous_secret_until),
    created_at: formatMillis(row.created_at),
    updated_at: formatMillis(row.updated_at),
  };
}

function rowToDelivery(
  row: DeliveryRow & { event_type: string; event_position: number | null },
): WebhookDelivery {
  return {
    id: row.id,
    endpoint_id: row.endpoint_id,
    event_id: String(row.event_position),
    event_type: row.event_type,
    status: row.status as WebhookDelivery['status'],
    attempts: row.attempts,
    last_status_code: row.last_status_code,
    next_attempt_at: row.status === 'pending' ? formatMillis(row.next_attempt_at) : null,
    created_at: formatMillis(row.created_at),
    updated_at: formatMillis(row.updated_at),
  };
}

function rowToAttempt(row: AttemptRow & { event_position: number | null }): WebhookAttempt {
  return {
    id: String(row.seq),
    delivery_id: row.delivery_id,
    event_id: String(row.event_position),
    status_code: row.status_code,
    error: row.error,
    response_excerpt: row.response_excerpt,
    duration_ms: row.duration_ms,
    created_at: formatMillis(row.created_at),
  };
}

export function endpointWants(endpoint: EndpointRow, type: string): boolean {
  const types = JSON.parse(endpoint.event_types) as string[];
  return types.includes('*') || types.includes(type);
}

function newDelivery(
  endpoint: EndpointRow,
  event: Pick<PlacedEvent, 'seq' | 'ordering_key'>,
  now: number,
): DeliveryRow {
  return {
    id: newOrderedId(),
    project_id: endpoint.project_id,
    endpoint_id: endpoint.id,
    event_seq: event.seq,
    ordering_key: event.ordering_key,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    locked_until: null,
    first_attempt_at: null,
    last_status_code: null,
    created_at: now,
    updated_at: now,
  };
}

export function webhooksStore(ctx: StoreContext): WebhooksStore {
  const postgres = ctx.engine === 'postgres';

  const findEndpoint = (db: Trx | StoreContext['db'], projectId: string, id: string) =>
    db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .executeTakeFirst();

  /** The claimed deliveries' events and endpoints (two reads for the lot). */
  const load = async (trx: Trx, deliveries: DeliveryRow[]): Promise<ClaimedDelivery[]> => {
    const events = (await trx
      .selectFrom('events')
      .selectAll()
      .where('seq', 'in', [...new Set(deliveries.map((d) => d.event_seq))])
      .where('position', 'is not', null)
      .execute()) as PlacedEvent[];
    const endpoints = await trx
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', 'in', [...new Set(deliveries.map((d) => d.endpoint_id))])
      .execute();
    const eventBySeq = new Map(events.map((e) => [e.seq, e]));
    const endpointById = new Map(endpoints.map((e) => [e.id, e]));
    const claimed: ClaimedDelivery[] = [];
    for (const delivery of deliveries) {
      const event = eventBySeq.get(delivery.event_seq);
      const endpoint = endpointById.get(delivery.endpoint_id);
      if (event && endpoint) claimed.push({ delivery, event, endpoint });
    }
    return claimed;
  };

  return {
    async createWebhookEndpoint(projectId, input) {
      const row: EndpointRow = {
        id: input.id,
        project_id: projectId,
        url: input.url,
        description: input.description,
        event_types: JSON.stringify(input.eventTypes),
        enabled: input.enabled ? 1 : 0,
        disabled_reason: null,
        secret: input.secret,
        previous_secret: null,
        previous_secret_until: null,
        failing_since: null,
        created_at: input.createdAt,
        updated_at: input.createdAt,
      };
      await ctx.run(() => ctx.db.insertInto('webhook_endpoints').values(row).execute());
      return row;
    },

    listWebhookEndpoints(projectId) {
      return ctx.run(() =>
        ctx.db
          .selectFrom('webhook_endpoints')
          .selectAll()
          .where('project_id', '=', projectId)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .execute(),
      );
    },

    getWebhookEndpoint(projectId, id) {
      return ctx.run(() => findEndpoint(ctx.db, projectId, id));
    },

    updateWebhookEndpoint(projectId, id, change, at) {
      return ctx.run(() =>
        ctx.db
          .updateTable('webhook_endpoints')
          .set({
            ...(change.url === undefined ? {} : { url: change.url }),
            ...(change.description === undefined ? {} : { description: change.description }),
            ...(change.eventTypes === undefined
              ? {}
              : { event_types: JSON.stringify(change.eventTypes) }),
            // Enabling again clears why it was disabled and its failure streak.
            ...(change.enabled === undefined
              ? {}
              : change.enabled
                ? { enabled: 1, disabled_reason: null, failing_since: null }
                : { enabled: 0 }),
            updated_at: at,
          })
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst(),
      );
    },

    deleteWebhookEndpoint(projectId, id) {
      return ctx.transaction(async (trx) => {
        const deleted = await trx
          .deleteFrom('webhook_endpoints')
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (deleted.numDeletedRows === 0n) return false;
        await trx.deleteFrom('webhook_attempts').where('endpoint_id', '=', id).execute();
        await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
        return true;
      });
    },

    rotateWebhookSecret(projectId, id, secret, previousUntil, at) {
      return ctx.run(() =>
        ctx.db
          .updateTable('webhook_endpoints')
          .set((eb) => ({
            previous_secret: eb.ref('secret'),
            previous_secret_until: previousUntil,
            secret,
            updated_at: at,
          }))
          .where('project_id', '=', projectId)
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst(),
      );
    },

    dispatchEvents(now, limit) {
      // A write: on SQLite it commits with the writes of the same turn (group commit).
      return ctx.write(async (trx): Promise<DispatchRound | null> => {
        if (postgres) {
          // One dispatcher at a time: positions follow commit order, deliveries event order.
          const { rows } = await sql<{
            locked: boolean;
          }>`select pg_try_advisory_xact_lock(${DISPATCH_LOCK}) as locked`.execute(trx);
          if (!rows[0]?.locked) return null;
        }
        // What placing and matching need: not the events' objects, most of each row.
        const events = await trx
          .selectFrom('events')
          .select(['seq', 'position', 'project_id', 'type', 'ordering_key', 'created_at'])
          .where('dispatched', '=', 0)
          .orderBy('seq')
          .limit(limit)
          .execute();
        if (events.length === 0) return { events: 0, deliveries: 0 };
        // Every event committed before this transaction's read is visible to it and none after
        // it can be given a lower position: the next dispatcher waits for this one's commit.
        const unplaced = events.filter((e) => e.position === null);
        if (unplaced.length > 0) {
          const head = await trx
            .updateTable('event_stream_head')
            .set((eb) => ({ position: eb('position', '+', unplaced.length) }))
            .where('id', '=', 'events')
            .returning('position')
            .executeTakeFirstOrThrow();
          let next = Number(head.position) - unplaced.length;
          for (const event of unplaced) event.position = ++next;
        }
        const projects = [...new Set(events.map((e) => e.project_id))];
        const endpoints = await trx
          .selectFrom('webhook_endpoints')
          .selectAll()
          .where('project_id', 'in', projects)
          .where('enabled', '=', 1)
          .execute();
        const deliveries: DeliveryRow[] = [];
        for (const event of events) {
          for (const endpoint of endpoints) {
            if (
              endpoint.project_id === event.project_id &&
              endpoint.created_at <= event.created_at &&
              endpointWants(endpoint, event.type)
            ) {
              deliveries.push(newDelivery(endpoint, event, now));
            }
          }
        }
        for (let i = 0; i < deliveries.length; i += 500) {
          await trx
            .insertInto('webhook_deliveries')
            .values(deliveries.slice(i, i + 500))
            .execute();
        }
        const placing =
          unplaced.length === 0
            ? {}
            : {
                position: sql<number>`case "seq" ${sql.join(
                  unplaced.map((e) => sql`when ${e.seq} then cast(${e.position} as bigint)`),
                  sql` `,
                )} else "position" end`,
              };
        await trx
          .updateTable('events')
          .set({ dispatched: 1, ...placing })
          .where(
            'seq',
            'in',
            events.map((e) => e.seq),
          )
          .execute();
        return { events: events.length, deliveries: deliveries.length };
      });
    },

    claimDeliveries(now, leaseMs, limit) {
      // Writes: on SQLite they commit with the writes of the same turn (group commit).
      return ctx.write(async (trx) => {
        let query = trx
          .selectFrom('webhook_deliveries as d')
          .selectAll('d')
          .where('d.status', '=', 'pending')
          .where('d.next_attempt_at', '<=', now)
          .where((eb) => eb.or([eb('d.locked_until', 'is', null), eb('d.locked_until', '<', now)]))
          .where(({ exists, selectFrom }) =>
            exists(
              selectFrom('webhook_endpoints as e')
                .select('e.id')
                .whereRef('e.id', '=', 'd.endpoint_id')
                .where('e.enabled', '=', 1),
            ),
          )
          // Events of one key go in order: an earlier one still pending holds the later back.
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('webhook_deliveries as p')
                  .select('p.id')
                  .whereRef('p.endpoint_id', '=', 'd.endpoint_id')
                  .whereRef('p.ordering_key', '=', 'd.ordering_key')
                  .where('p.status', '=', 'pending')
                  .whereRef('p.event_seq', '<', 'd.event_seq'),
              ),
            ),
          )
          .orderBy('d.event_seq')
          .limit(limit);
        if (postgres) query = query.forUpdate('d').skipLocked();
        const rows = await query.execute();
        if (rows.length === 0) return [];
        // Two replays of one event may be pending together: one of each key per claim.
        const seen = new Set<string>();
        const chosen = rows.filter((row) => {
          const key = `${row.endpoint_id}\n${row.ordering_key}`;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
        const lockedUntil = now + leaseMs;
        await trx
          .updateTable('webhook_deliveries')
          .set({ locked_until: lockedUntil })
          .where(
            'id',
            'in',
            chosen.map((row) => row.id),
          )
          .execute();
        return load(
          trx,
          chosen.map((row) => ({ ...row, locked_until: lockedUntil })),
        );
      });
    },

    recordAttempt({ delivery, endpoint }, outcome, leaseMs) {
      return ctx.write(async (trx) => {
        await trx
          .insertInto('webhook_attempts')
          .values({
            project_id: delivery.project_id,
            endpoint_id: delivery.endpoint_id,
            delivery_id: delivery.id,
            event_seq: delivery.event_seq,
            status_code: outcome.statusCode,
            error: outcome.error,
            response_excerpt: outcome.responseExcerpt,
            duration_ms: outcome.durationMs,
            created_at: outcome.at,
          })
          .execute();
        const status = outcome.ok ? 'delivered' : outcome.retryAt === null ? 'failed' : 'pending';
        await trx
          .updateTable('webhook_deliveries')
          .set((eb) => ({
            status,
            attempts: eb('attempts', '+', 1),
            next_attempt_at: outcome.retryAt ?? outcome.at,
            locked_until: null,
            first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(outcome.at)),
            last_status_code: outcome.statusCode,
            updated_at: outcome.at,
          }))
          .where('id', '=', delivery.id)
          .execute();
        if (outcome.ok) {
          await trx
            .updateTable('webhook_endpoints')
            .set({ failing_since: null })
            .where('id', '=', endpoint.id)
            .where('failing_since', 'is not', null)
            .execute();
          return leaseMs === null ? undefined : claimNext(trx, delivery, outcome.at, leaseMs);
        }
        await trx
          .updateTable('webhook_endpoints')
          .set({ failing_since: outcome.at })
          .where('id', '=', endpoint.id)
          .where('failing_since', 'is', null)
          .execute();
        if (outcome.disableEndpoint !== null) {
          const disabled = await trx
            .updateTable('webhook_endpoints')
            .set({ enabled: 0, disabled_reason: outcome.disableEndpoint, updated_at: outcome.at })
            .where('id', '=', endpoint.id)
            .where('enabled', '=', 1)
            .returningAll()
            .executeTakeFirst();
          if (disabled) {
            await appendEvent(trx, {
              projectId: disabled.project_id,
              type: 'webhook_endpoint.disabled',
              objectId: disabled.id,
              orderingKey: disabled.id,
              object: rowToWebhookEndpoint(disabled),
              detail: { reason: outcome.disableEndpoint },
              at: outcome.at,
            });
          }
        }
        return undefined;
      });

      async function claimNext(trx: Trx, done: DeliveryRow, now: number, lease: number) {
        let query = trx
          .selectFrom('webhook_deliveries')
          .selectAll()
          .where('endpoint_id', '=', done.endpoint_id)
          .where('ordering_key', '=', done.ordering_key)
          .where('status', '=', 'pending')
          .orderBy('event_seq')
          .limit(1);
        if (postgres) query = query.forUpdate().skipLocked();
        const next = await query.executeTakeFirst();
        if (!next || next.next_attempt_at > now) return undefined;
        if (next.locked_until !== null && next.locked_until >= now) return undefined;
        const lockedUntil = now + lease;
        await trx
          .updateTable('webhook_deliveries')
          .set({ locked_until: lockedUntil })
          .where('id', '=', next.id)
          .execute();
        const [claimed] = await load(trx, [{ ...next, locked_until: lockedUntil }]);
        return claimed;
      }
    },

    async listWebhookDeliveries(projectId, endpointId, limit, before) {
      const rows = await ctx.run(() => {
        let query = ctx.db
          .selectFrom('webhook_deliveries as d')
          .innerJoin('events as e', 'e.seq', 'd.event_seq')
          .selectAll('d')
          .select(['e.type as event_type', 'e.position as event_position'])
          .where('d.project_id', '=', projectId)
          .where('d.endpoint_id', '=', endpointId)
          .orderBy('d.id', 'desc')
          .limit(limit);
        if (before !== undefined) query = query.where('d.id', '<', before);
        return query.execute();
      });
      return rows.map(rowToDelivery);
    },

    async listWebhookAttempts(projectId, endpointId, limit, before) {
      const rows = await ctx.run(() => {
        let query = ctx.db
          .selectFrom('webhook_attempts as a')
          .leftJoin('events as e', 'e.seq', 'a.event_seq')
          .selectAll('a')
          .select('e.position as event_position')
          .where('a.project_id', '=', projectId)
          .where('a.endpoint_id', '=', endpointId)
          .orderBy('a.seq', 'desc')
          .limit(limit);
        if (before !== undefined) query = query.where('a.seq', '<', before);
        return query.execute();
      });
      return rows.map(rowToAttempt);
    },

    replayWebhookDelivery(projectId, endpointId, deliveryId, now) {
      return ctx.transaction(async (trx) => {
        const found = await trx
          .selectFrom('webhook_deliveries as d')
          .innerJoin('events as e', 'e.seq', 'd.event_seq')
          .selectAll('e')
          .where('d.project_id', '=', projectId)
          .where('d.endpoint_id', '=', endpointId)
          .where('d.id', '=', deliveryId)
          .executeTakeFirst();
        const endpoint = await findEndpoint(trx, projectId, endpointId);
        if (!found || !endpoint) return undefined;
        const row = newDelivery(endpoint, found, now);
        await trx.insertInto('webhook_deliveries').values(row).execute();
        return rowToDelivery({ ...row, event_type: found.type, event_position: found.position });
      });
    },

    replayWebhookEventsSince(projectId, endpointId, since, now) {
      return ctx.transaction(async (trx) => {
        const endpoint = await findEndpoint(trx, projectId, endpointId);
        if (!endpoint) return undefined;
        const events = await trx
          .selectFrom('events')
          .selectAll()
          .where('project_id', '=', projectId)
          .where('created_at', '>=', since)
          // Not placed yet: the dispatcher is about to make its deliveries.
          .where('position', 'is not', null)
          .orderBy('seq')
          .limit(MAX_REPLAY)
          .execute();
        const rows = events
          .filter((event) => endpointWants(endpoint, event.type))
          .map((event) => newDelivery(endpoint, event, now));
        for (let i = 0; i < rows.length; i += 500) {
          await trx
            .insertInto('webhook_deliveries')
            .values(rows.slice(i, i + 500))
            .execute();
        }
        return rows.length;
      });
    },
  };
}
