import {
  Conference,
  CreateConferenceRequest,
  UpdateConferenceRequest,
  type Conference as ConferenceT,
} from '@conclave/schema';
import type { Command } from 'commander';
import { UsageError } from './errors.js';

/** What the CLI needs to know of one body field, read from the wire schema. */
export interface FieldSpec {
  key: string;
  /** `--display-name` */
  flag: string;
  /** Commander's property name for the flag: `displayName`. */
  property: string;
  kind: 'string' | 'boolean' | 'object' | 'integer' | 'list';
  help: string;
}

interface JsonSchemaProperty {
  type?: unknown;
  enum?: unknown[];
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
}

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

const KINDS: Record<string, FieldSpec['kind']> = {
  boolean: 'boolean',
  object: 'object',
  integer: 'integer',
  number: 'integer',
  array: 'list',
};

/** The field specs of a request body schema, in the schema's order. */
export function specsOf(schema: { properties: object; required?: string[] }): FieldSpec[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties as Record<string, JsonSchemaProperty>).map(
    ([key, property]) => {
      const kind = KINDS[String(property.type)] ?? 'string';
      const parts: string[] = [];
      parts.push(property.description ?? key.replace(/_/g, ' '));
      if (property.enum) parts.push(`one of ${property.enum.join(', ')}`);
      if (kind === 'boolean') parts.push('true or false');
      if (kind === 'object') parts.push('a JSON object');
      if (kind === 'list') parts.push('comma-separated');
      if (kind === 'integer' && property.minimum !== undefined && property.maximum !== undefined) {
        parts.push(`${property.minimum} to ${property.maximum}`);
      }
      if (property.default !== undefined && kind !== 'list') {
        parts.push(`default ${String(property.default)}`);
      }
      if (required.has(key)) parts.push('required');
      return {
        key,
        flag: `--${key.replace(/_/g, '-')}`,
        property: camel(key),
        kind,
        help: parts.join('; '),
      };
    },
  );
}

/** The fields `POST /conferences` takes, from `CreateConferenceRequest`. */
export const CREATE_FIELDS = specsOf(CreateConferenceRequest);
/** The fields `PUT /conferences/{id}` takes, from `UpdateConferenceRequest`. */
export const UPDATE_FIELDS = specsOf(UpdateConferenceRequest).map((field) =>
  // The API requires it on every PUT; `conferences update` fills in the current value.
  field.key === 'display_name'
    ? { ...field, help: field.help.replace(/required$/, 'default: the current one') }
    : field,
);
/** Fields a conference has that no request sets (`id`, `created_at`…): skipped on import. */
export const READ_ONLY_FIELDS = Object.keys(Conference.properties).filter(
  (key) => !(key in CreateConferenceRequest.properties),
);
/** The columns of a CSV export: every field of a conference except the live session. */
export const EXPORT_COLUMNS = Object.keys(Conference.properties).filter(
  (key) => key !== 'active_session',
) as (keyof ConferenceT)[];

/** Adds one option per field: `--display-name <value>`, `--enable-chat <true|false>`… */
export function addFieldOptions(command: Command, fields: FieldSpec[]): Command {
  for (const field of fields) {
    const arg =
      field.kind === 'boolean'
        ? '<true|false>'
        : field.kind === 'object'
          ? '<json>'
          : field.kind === 'integer'
            ? '<n>'
            : field.kind === 'list'
              ? '<a,b,…>'
              : '<value>';
    command.option(`${field.flag} ${arg}`, field.help);
  }
  return command;
}

const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

/** A text value (a flag, a CSV cell) read as the field's type; `where` names it in errors. */
export function parseFieldValue(field: FieldSpec, text: string, where: string): unknown {
  if (field.kind === 'boolean') {
    const lower = text.trim().toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
    throw new UsageError(`${where}: ${field.key} must be true or false, not "${text}"`);
  }
  if (field.kind === 'object') return parseJsonObject(text, `${where}: ${field.key}`);
  if (field.kind === 'integer') {
    if (!/^-?\d+$/.test(text.trim())) {
      throw new UsageError(`${where}: ${field.key} must be a whole number, not "${text}"`);
    }
    return Number(text.trim());
  }
  if (field.kind === 'list') {
    return text
      .split(/[\s,]+/)
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  return text;
}

/** `text` as a JSON object, or a usage error naming `what`. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${what} must be a JSON object`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** The request body the field flags of a command describe. */
export function bodyFromFlags(
  flags: Record<string, unknown>,
  fields: FieldSpec[],
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    const value = flags[field.property];
    if (typeof value === 'string') body[field.key] = parseFieldValue(field, value, field.flag);
  }
  return body;
}
