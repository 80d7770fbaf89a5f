import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '@conclave/sdk';
import type { Column } from '../../output/table.js';

export const ENDPOINT_COLUMNS: Column<WebhookEndpoint>[] = [
  { header: 'ID', value: (e) => e.id },
  { header: 'URL', value: (e) => e.url },
  { header: 'EVENTS', value: (e) => e.event_types.join(',') },
  {
    header: 'ENABLED',
    value: (e) => (e.enabled ? 'yes' : `no${e.disabled_reason ? ` (${e.disabled_reason})` : ''}`),
  },
  { header: 'CREATED', value: (e) => e.created_at },
];

export const DELIVERY_COLUMNS: Column<WebhookDelivery>[] = [
  { header: 'ID', value: (d) => d.id },
  { header: 'EVENT', value: (d) => d.event_id },
  { header: 'TYPE', value: (d) => d.event_type },
  { header: 'STATUS', value: (d) => d.status },
  { header: 'ATTEMPTS', value: (d) => d.attempts },
  { header: 'LAST CODE', value: (d) => d.last_status_code },
  { header: 'NEXT', value: (d) => d.next_attempt_at },
];

export const ATTEMPT_COLUMNS: Column<WebhookAttempt>[] = [
  { header: 'TIME', value: (a) => a.created_at },
  { header: 'EVENT', value: (a) => a.event_id },
  { header: 'CODE', value: (a) => a.status_code ?? a.error },
  { header: 'MS', value: (a) => a.duration_ms },
  { header: 'RESPONSE', value: (a) => (a.response_excerpt ?? '').slice(0, 60) },
];
