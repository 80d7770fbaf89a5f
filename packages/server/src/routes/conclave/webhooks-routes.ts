/**
 * Webhook endpoints and the event log, in Conclave's own API (`/conclave/v1/webhooks…`,
 * `/conclave/v1/events`): docs/webhooks.md. Everything is scoped by the caller's project.
 */
import {
  ConclaveEventList,
  CreateWebhookEndpointRequest,
  EventListQuery,
  ReplayRequest,
  ReplayResult,
  RotateWebhookSecretRequest,
  UpdateWebhookEndpointRequest,
  WebhookAttemptList,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookDeliveryParams,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointParams,
  WebhookEndpointWithSecret,
  WebhookListQuery,
  type CreateWebhookEndpointRequest as CreateBody,
  type EventListQuery as EventQueryT,
  type ReplayRequest as ReplayBody,
  type RotateWebhookSecretRequest as RotateBody,
  type UpdateWebhookEndpointRequest as UpdateBody,
  type WebhookDeliveryParams as DeliveryParamsT,
  type WebhookEndpointParams as EndpointParamsT,
  type WebhookListQuery as ListQueryT,
} from '@conclave/schema';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { eventJson } from '../../events/events-store.js';
import { HttpError, problem, ValidationFailed } from '../../http/errors.js';
import { requireUuid } from '../../http/path-id.js';
import { errorResponses } from '../../http/responses.js';
import { newId } from '../../lib/ids.js';
import { webhookUrlProblem } from '../../webhooks/ssrf-guard.js';
import { newWebhookSecret } from '../../webhooks/webhook-secret.js';
import type { WebhookWorker } from '../../webhooks/webhook-worker.js';
import { rowToWebhookEndpoint, type EndpointRow } from '../../webhooks/webhooks-store.js';

const tags = ['Conclave'];
const OWN_API = 'Conclave’s own API, not SignalWire’s.';
/** How long a rotated-out secret still signs by default (seconds). */
const DEFAULT_KEEP_PREVIOUS_S = 86_400;
/** Most endpoints one project may have. */
export const MAX_WEBHOOK_ENDPOINTS = 20;

export async function webhooksRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  worker: WebhookWorker,
): Promise<void> {
  const { store } = ctx;

  const checkUrl = async (url: string) => {
    const why = await webhookUrlProblem(url, worker.options.allowPrivate);
    if (why) throw new ValidationFailed([problem('invalid_parameter', 'url', `url: ${why}`)]);
  };

  const endpointOf = async (projectId: string, rawId: string): Promise<EndpointRow> => {
    const endpoint = await store.getWebhookEndpoint(projectId, requireUuid(rawId));
    if (!endpoint) throw new HttpError(404);
    return endpoint;
  };

  const withSecret = (row: EndpointRow) => ({ ...rowToWebhookEndpoint(row), secret: row.secret });

  app.post<{ Body: CreateBody }>(
    '/webhooks',
    {
      schema: {
        tags,
        operationId: 'conclave_create_webhook_endpoint',
        summary: 'Create a webhook endpoint',
        description:
          `${OWN_API} Events of the given types (default every type, \`*\`) are POSTed to ` +
          '`url`, signed with the endpoint’s secret — returned here and on rotation only. ' +
          'Private and loopback addresses are refused unless the server allows them. ' +
          'Only events that happen after the endpoint is created are sent (replay for earlier ones).',
        body: CreateWebhookEndpointRequest,
        response: { 201: WebhookEndpointWithSecret, ...errorResponses(400, 401, 403, 413, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      await checkUrl(body.url);
      const existing = await store.listWebhookEndpoints(request.projectId);
      if (existing.length >= MAX_WEBHOOK_ENDPOINTS) {
        throw new ValidationFailed([
          problem(
            'invalid_parameter',
            null,
            `at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints per project`,
          ),
        ]);
      }
      const row = await store.createWebhookEndpoint(request.projectId, {
        id: newId(),
        url: body.url,
        description: body.description ?? null,
        eventTypes: [...new Set(body.event_types ?? ['*'])],
        enabled: body.enabled ?? true,
        secret: newWebhookSecret(),
        createdAt: ctx.now(),
      });
      return reply.code(201).send(withSecret(row));
    },
  );

  app.get(
    '/webhooks',
    {
      schema: {
        tags,
        operationId: 'conclave_list_webhook_endpoints',
        summary: 'List webhook endpoints',
        description: `${OWN_API} The project’s endpoints, newest first (at most ${MAX_WEBHOOK_ENDPOINTS}).`,
        response: { 200: WebhookEndpointList, ...errorResponses(401, 403) },
      },
    },
    async (request) => ({
      data: (await store.listWebhookEndpoints(request.projectId)).map(rowToWebhookEndpoint),
    }),
  );

  app.get<{ Params: EndpointParamsT }>(
    '/webhooks/:id',
    {
      schema: {
        tags,
        operationId: 'conclave_get_webhook_endpoint',
        summary: 'Retrieve a webhook endpoint',
        description: `${OWN_API} Without its secret.`,
        params: WebhookEndpointParams,
        response: { 200: WebhookEndpoint, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => rowToWebhookEndpoint(await endpointOf(request.projectId, request.params.id)),
  );

  app.patch<{ Params: EndpointParamsT; Body: UpdateBody }>(
    '/webhooks/:id',
    {
      schema: {
        tags,
        operationId: 'conclave_update_webhook_endpoint',
        summary: 'Update a webhook endpoint',
        description:
          `${OWN_API} Any of \`url\`, \`event_types\`, \`description\`, \`enabled\`. Enabling ` +
          'an endpoint Conclave disabled clears the reason; deliveries it holds go on.',
        params: WebhookEndpointParams,
        body: UpdateWebhookEndpointRequest,
        response: { 200: WebhookEndpoint, ...errorResponses(400, 401, 403, 404, 413, 422) },
      },
    },
    async (request) => {
      const id = requireUuid(request.params.id);
      const body = request.body;
      if (body.url !== undefined) await checkUrl(body.url);
      const row = await store.updateWebhookEndpoint(
        request.projectId,
        id,
        {
          url: body.url,
          description: body.description,
          eventTypes: body.event_types && [...new Set(body.event_types)],
          enabled: body.enabled,
        },
        ctx.now(),
      );
      if (!row) throw new HttpError(404);
      worker.kick();
      return rowToWebhookEndpoint(row);
    },
  );

  app.delete<{ Params: EndpointParamsT }>(
    '/webhooks/:id',
    {
      schema: {
        tags,
        operationId: 'conclave_delete_webhook_endpoint',
        summary: 'Delete a webhook endpoint',
        description: `${OWN_API} With its deliveries and their attempts.`,
        params: WebhookEndpointParams,
        response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const id = requireUuid(request.params.id);
      if (!(await store.deleteWebhookEndpoint(request.projectId, id))) throw new HttpError(404);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: EndpointParamsT; Body: RotateBody }>(
    '/webhooks/:id/rotate_secret',
    {
      schema: {
        tags,
        operationId: 'conclave_rotate_webhook_secret',
        summary: 'Rotate a webhook endpoint’s secret',
        description:
          `${OWN_API} A new secret signs every delivery from now on; the previous one signs ` +
          'them too (a second `v1=`) for `keep_previous_for_seconds` (default 86400), so ' +
          'receivers can switch without losing any. Answers the endpoint with its new secret.',
        params: WebhookEndpointParams,
        body: RotateWebhookSecretRequest,
        response: {
          200: WebhookEndpointWithSecret,
          ...errorResponses(400, 401, 403, 404, 413, 422),
        },
      },
    },
    async (request) => {
      const id = requireUuid(request.params.id);
      const now = ctx.now();
      const keep = request.body?.keep_previous_for_seconds ?? DEFAULT_KEEP_PREVIOUS_S;
      const row = await store.rotateWebhookSecret(
        request.projectId,
        id,
        newWebhookSecret(),
        now + keep * 1000,
        now,
      );
      if (!row) throw new HttpError(404);
      return withSecret(row);
    },
  );

  app.get<{ Params: EndpointParamsT; Querystring: ListQueryT }>(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        operationId: 'conclave_list_webhook_deliveries',
        summary: 'List an endpoint’s deliveries',
        description:
          `${OWN_API} Newest first: \`limit\` (default 50, at most 200), \`before\` the last ` +
          'id of the previous page.',
        params: WebhookEndpointParams,
        querystring: WebhookListQuery,
        response: { 200: WebhookDeliveryList, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const endpoint = await endpointOf(request.projectId, request.params.id);
      const { limit = 50, before } = request.query;
      return {
        data: await store.listWebhookDeliveries(request.projectId, endpoint.id, limit, before),
      };
    },
  );

  app.get<{ Params: EndpointParamsT; Querystring: ListQueryT }>(
    '/webhooks/:id/attempts',
    {
      schema: {
        tags,
        operationId: 'conclave_list_webhook_attempts',
        summary: 'List an endpoint’s delivery attempts',
        description:
          `${OWN_API} Every attempt, newest first: HTTP status (null when there was no ` +
          'answer, with `error`), time, duration and the first 512 characters of the ' +
          'response. `limit` (default 50, at most 200), `before` the last id of the previous page.',
        params: WebhookEndpointParams,
        querystring: WebhookListQuery,
        response: { 200: WebhookAttemptList, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const endpoint = await endpointOf(request.projectId, request.params.id);
      const { limit = 50, before } = request.query;
      const beforeSeq = before === undefined ? undefined : Number(before);
      if (beforeSeq !== undefined && !Number.isSafeInteger(beforeSeq)) {
        throw new ValidationFailed([problem('invalid_parameter', 'before')]);
      }
      return {
        data: await store.listWebhookAttempts(request.projectId, endpoint.id, limit, beforeSeq),
      };
    },
  );

  app.post<{ Params: DeliveryParamsT }>(
    '/webhooks/:id/deliveries/:delivery_id/replay',
    {
      schema: {
        tags,
        operationId: 'conclave_replay_webhook_delivery',
        summary: 'Send a delivery’s event again',
        description:
          `${OWN_API} A new delivery of the same event (same event id: receivers recognise ` +
          'the duplicate), sent in order with the rest. Answers 202 with it.',
        params: WebhookDeliveryParams,
        response: { 202: WebhookDelivery, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const id = requireUuid(request.params.id);
      const deliveryId = requireUuid(request.params.delivery_id);
      const delivery = await store.replayWebhookDelivery(
        request.projectId,
        id,
        deliveryId,
        ctx.now(),
      );
      if (!delivery) throw new HttpError(404);
      worker.kick();
      return reply.code(202).send(delivery);
    },
  );

  app.post<{ Params: EndpointParamsT; Body: ReplayBody }>(
    '/webhooks/:id/replay',
    {
      schema: {
        tags,
        operationId: 'conclave_replay_webhook_events',
        summary: 'Send every event since a time again',
        description:
          `${OWN_API} A new delivery of each of the project’s events since \`since\` that the ` +
          'endpoint’s types match (at most 10 000), in event order. Answers 202 with how many.',
        params: WebhookEndpointParams,
        body: ReplayRequest,
        response: { 202: ReplayResult, ...errorResponses(400, 401, 403, 404, 413, 422) },
      },
    },
    async (request, reply) => {
      const id = requireUuid(request.params.id);
      const since = Date.parse(request.body.since);
      if (Number.isNaN(since)) throw new ValidationFailed([problem('not_a_datetime', 'since')]);
      const retentionDays = worker.options.retentionMs / 86_400_000;
      if (since < ctx.now() - worker.options.retentionMs) {
        throw new ValidationFailed([
          problem(
            'invalid_parameter',
            'since',
            `since: older than the event retention (${retentionDays} days); older events may have been deleted`,
          ),
        ]);
      }
      const replayed = await store.replayWebhookEventsSince(
        request.projectId,
        id,
        since,
        ctx.now(),
      );
      if (replayed === undefined) throw new HttpError(404);
      worker.kick();
      return reply.code(202).send({ replayed });
    },
  );

  app.get<{ Querystring: EventQueryT }>(
    '/events',
    {
      schema: {
        tags,
        operationId: 'conclave_list_events',
        summary: 'List the project’s events',
        description:
          `${OWN_API} Oldest first, after the event id \`after\` (default: from the first ` +
          'kept); `limit` default 100, at most 500. Each event as webhooks deliver it.',
        querystring: EventListQuery,
        response: { 200: ConclaveEventList, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const { after = '0', limit = 100 } = request.query;
      // Events committed before this request are listed: they are given their ids now if the
      // dispatcher has not come to them yet (read your own writes).
      await worker.dispatchNow().catch((error: unknown) => {
        request.log.warn({ err: error }, 'events: dispatch before the list failed');
      });
      const rows = await store.readEvents(request.projectId, Number(after), limit);
      // The stored objects are spliced in as they are (eventJson), not parsed and re-serialized.
      return reply
        .type('application/json; charset=utf-8')
        .send(`{"data":[${rows.map(eventJson).join(',')}]}`);
    },
  );
}
