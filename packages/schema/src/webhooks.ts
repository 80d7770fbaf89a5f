/**
 * Events and webhooks, part of Conclave's own API (`/conclave/v1/…`; docs/webhooks.md). The event
 * catalogue is defined here once: the server writes these types, validates endpoint filters
 * against them and documents them; the SDK and CLI take their types from here.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DateTimeOutput, Uuid } from './common.js';
import { Nullable, StringEnum } from './helpers.js';

/** Every event type, with what its `object` is (the REST API's wire shape of it). */
export const EVENT_CATALOGUE = {
  'conference.created': 'Conference',
  'conference.updated': 'Conference',
  'conference.deleted': 'Conference (as it was)',
  'room.created': 'Room',
  'room.updated': 'Room',
  'room.deleted': 'Room (as it was)',
  'session.started': 'RoomSession',
  'session.ended': 'RoomSession',
  'member.joined': 'RoomSessionMember',
  'member.left': 'RoomSessionMember',
  'member.updated': 'RoomSessionMember (detail: what changed)',
  'recording.started': 'RoomRecording (uri null)',
  'recording.completed': 'RoomRecording (uri null)',
  'recording.failed': 'RoomRecording (uri null; detail: reason)',
  'stream.started': 'Stream',
  'stream.stopped': 'Stream',
  'stream.failed': 'Stream (detail: reason)',
  'conference_token.reset': 'ConferenceToken',
  'webhook_endpoint.disabled': 'WebhookEndpoint (detail: reason)',
} as const;
export type EventType = keyof typeof EVENT_CATALOGUE;
export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as EventType[];

/** An endpoint's filter: event types, or `*` for every one. */
export const EventTypeFilter = StringEnum(['*', ...EVENT_TYPES] as const, {
  description: 'An event type, or `*` for every type',
});

/**
 * One event, as webhooks deliver it (the body) and the event stream sends it. `id` is a decimal
 * number as a string, ascending in the order the changes committed.
 */
export const ConclaveEvent = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9]+$', description: 'Ascending; the resume point' }),
    type: StringEnum(EVENT_TYPES),
    created_at: DateTimeOutput,
    project_id: Uuid,
    object: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The object as the REST API shows it',
    }),
    detail: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'What changed or why, where the object does not say',
      }),
    ),
  },
  { title: 'ConclaveEvent', additionalProperties: false },
);
export type ConclaveEvent = Static<typeof ConclaveEvent>;

/** The header a delivery is signed in: `t=<unix seconds>,v1=<hex>[,v1=<hex>]`. */
export const WEBHOOK_SIGNATURE_HEADER = 'Conclave-Signature';
/** Deliveries older than this (seconds) fail verification by default (replays of old bodies). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const WebhookUrl = Type.String({
  minLength: 1,
  maxLength: 2000,
  pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$',
  description: 'An http:// or https:// address receiving POSTs',
});

export const WebhookEndpoint = Type.Object(
  {
    id: Uuid,
    url: Type.String(),
    description: Nullable(Type.String()),
    event_types: Type.Array(Type.String()),
    enabled: Type.Boolean(),
    disabled_reason: Nullable(Type.String({ description: 'Why Conclave disabled it' })),
    previous_secret_expires_at: Nullable(DateTimeOutput),
    created_at: DateTimeOutput,
    updated_at: DateTimeOutput,
  },
  { title: 'WebhookEndpoint', additionalProperties: false },
);
export type WebhookEndpoint = Static<typeof WebhookEndpoint>;

/** What create and secret rotation answer: the endpoint and its secret (shown only then). */
export const WebhookEndpointWithSecret = Type.Object(
  {
    ...WebhookEndpoint.properties,
    secret: Type.String({ description: 'Signs deliveries; shown only on create and rotation' }),
  },
  { title: 'WebhookEndpointWithSecret', additionalProperties: false },
);
export type WebhookEndpointWithSecret = Static<typeof WebhookEndpointWithSecret>;

export const CreateWebhookEndpointRequest = Type.Object(
  {
    url: WebhookUrl,
    event_types: Type.Optional(Type.Array(EventTypeFilter, { minItems: 1, maxItems: 64 })),
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    enabled: Type.Optional(Type.Boolean()),
  },
  { title: 'CreateWebhookEndpointRequest', additionalProperties: false },
);
export type CreateWebhookEndpointRequest = Static<typeof CreateWebhookEndpointRequest>;

export const UpdateWebhookEndpointRequest = Type.Object(
  {
    url: Type.Optional(WebhookUrl),
    event_types: Type.Optional(Type.Array(EventTypeFilter, { minItems: 1, maxItems: 64 })),
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    enabled: Type.Optional(Type.Boolean()),
  },
  { title: 'UpdateWebhookEndpointRequest', additionalProperties: false, minProperties: 1 },
);
export type UpdateWebhookEndpointRequest = Static<typeof UpdateWebhookEndpointRequest>;

export const RotateWebhookSecretRequest = Type.Object(
  {
    keep_previous_for_seconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 7 * 24 * 3600,
        description: 'How long deliveries are also signed with the old secret (default 86400)',
      }),
    ),
  },
  { title: 'RotateWebhookSecretRequest', additionalProperties: false },
);
export type RotateWebhookSecretRequest = Static<typeof RotateWebhookSecretRequest>;

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

export const WebhookDelivery = Type.Object(
  {
    id: Uuid,
    endpoint_id: Uuid,
    event_id: Type.String(),
    event_type: Type.String(),
    status: StringEnum(WEBHOOK_DELIVERY_STATUSES),
    attempts: Type.Integer(),
    last_status_code: Nullable(Type.Integer()),
    next_attempt_at: Nullable(DateTimeOutput),
    created_at: DateTimeOutput,
    updated_at: DateTimeOutput,
  },
  { title: 'WebhookDelivery', additionalProperties: false },
);
export type WebhookDelivery = Static<typeof WebhookDelivery>;

export const WebhookAttempt = Type.Object(
  {
    id: Type.String(),
    delivery_id: Uuid,
    event_id: Type.String(),
    status_code: Nullable(Type.Integer({ description: 'null: no HTTP answer (see error)' })),
    error: Nullable(Type.String()),
    response_excerpt: Nullable(Type.String({ description: 'The first 512 characters' })),
    duration_ms: Type.Integer(),
    created_at: DateTimeOutput,
  },
  { title: 'WebhookAttempt', additionalProperties: false },
);
export type WebhookAttempt = Static<typeof WebhookAttempt>;

export const WebhookEndpointList = Type.Object(
  { data: Type.Array(WebhookEndpoint) },
  { title: 'WebhookEndpointList' },
);
export const WebhookDeliveryList = Type.Object(
  { data: Type.Array(WebhookDelivery) },
  { title: 'WebhookDeliveryList' },
);
export const WebhookAttemptList = Type.Object(
  { data: Type.Array(WebhookAttempt) },
  { title: 'WebhookAttemptList' },
);
export const ConclaveEventList = Type.Object(
  { data: Type.Array(ConclaveEvent) },
  { title: 'ConclaveEventList' },
);

export const WebhookEndpointParams = Type.Object({
  id: Type.String({ description: 'Webhook endpoint id (UUID)' }),
});
export type WebhookEndpointParams = Static<typeof WebhookEndpointParams>;

export const WebhookDeliveryParams = Type.Object({
  id: Type.String({ description: 'Webhook endpoint id (UUID)' }),
  delivery_id: Type.String({ description: 'Delivery id (UUID)' }),
});
export type WebhookDeliveryParams = Static<typeof WebhookDeliveryParams>;

/** Lists newest first: at most `limit`, older than `before` (an id from the previous page). */
export const WebhookListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    before: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type WebhookListQuery = Static<typeof WebhookListQuery>;

export const ReplayRequest = Type.Object(
  { since: Type.String({ format: 'date-time', description: 'Replay every event from this time' }) },
  { title: 'WebhookReplayRequest', additionalProperties: false },
);
export type ReplayRequest = Static<typeof ReplayRequest>;

export const ReplayResult = Type.Object(
  { replayed: Type.Integer({ description: 'Deliveries queued' }) },
  { title: 'WebhookReplayResult', additionalProperties: false },
);
export type ReplayResult = Static<typeof ReplayResult>;

/** `GET /conclave/v1/events`: the project's events after `after` (an event id), oldest first. */
export const EventListQuery = Type.Object(
  {
    after: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type EventListQuery = Static<typeof EventListQuery>;
