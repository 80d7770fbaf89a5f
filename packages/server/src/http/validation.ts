import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { isDateTime, isDateTimeFilter } from '../lib/time.js';
import { problem, type ValidationProblem } from './errors.js';

function createAjv(querystring: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    // Bodies are typed JSON: `"display_name": 5` is an error, not "5". Query strings are text.
    coerceTypes: querystring,
    useDefaults: !querystring,
    removeAdditional: false,
    strict: false,
  });
  addFormats.default(ajv, ['uuid', 'uri']);
  ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
  ajv.addFormat('date-time-filter', { type: 'string', validate: isDateTimeFilter });
  return ajv;
}

const QUERY_TRUE = new Set(['true', '1']);
const QUERY_FALSE = new Set(['false', '0']);

function booleanKeys(schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties;
  if (!properties) return [];
  return Object.entries(properties)
    .filter(([, s]) => s.type === 'boolean')
    .map(([key]) => key);
}

/**
 * Fastify's validator compiler: Ajv without coercion for bodies, with coercion for query strings
 * and path params. Query booleans are read as `true/false/1/0` in any letter case (D16).
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodyAjv = createAjv(false);
  const queryAjv = createAjv(true);
  return ({ schema, httpPart }) => {
    if (httpPart === 'body') return bodyAjv.compile(schema as object);
    const validate: ValidateFunction = queryAjv.compile(schema as object);
    const booleans = booleanKeys(schema);
    if (booleans.length === 0) return validate;
    const wrapped = (data: Record<string, unknown>) => {
      for (const key of booleans) {
        const value = data[key];
        if (typeof value !== 'string') continue;
        const lower = value.toLowerCase();
        if (QUERY_TRUE.has(lower)) data[key] = true;
        else if (QUERY_FALSE.has(lower)) data[key] = false;
      }
      const ok = validate(data);
      wrapped.errors = validate.errors;
      return ok;
    };
    wrapped.errors = null as ValidateFunction['errors'];
    return wrapped;
  };
}

function attributeOf(error: ErrorObject): string | null {
  if (error.keyword === 'required') {
    return String((error.params as { missingProperty: string }).missingProperty);
  }
  if (error.keyword === 'additionalProperties' && error.instancePath === '') {
    // A field the request does not take (only Conclave's own API refuses them; see E81).
    return String((error.params as { additionalProperty: string }).additionalProperty);
  }
  const segment = error.instancePath.split('/')[1];
  return segment === undefined || segment === ''
    ? null
    : segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function describe(error: ErrorObject, attribute: string | null): ValidationProblem {
  const name = attribute ?? 'value';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return problem('missing_required_parameter', attribute, `${name} is required`);
    case 'type': {
      const expected = String(params.type);
      if (expected === 'string')
        return problem('not_a_string', attribute, `${name} must be a string`);
      if (expected === 'boolean')
        return problem('not_a_boolean', attribute, `${name} must be a boolean`);
      if (expected === 'integer' || expected === 'number')
        return problem('invalid_parameter', attribute, `${name} must be an integer`);
      return problem('invalid_parameter', attribute, `${name} must be of type ${expected}`);
    }
    case 'format':
      if (params.format === 'date-time' || params.format === 'date-time-filter')
        return problem(
          'not_a_datetime',
          attribute,
          `${name} must be an RFC 3339 date-time or a date`,
        );
      return problem(
        'invalid_parameter',
        attribute,
        `${name} must be a valid ${String(params.format)}`,
      );
    case 'minLength':
      if (params.limit === 1)
        return problem('missing_required_parameter', attribute, `${name} can't be blank`);
      return problem(
        'invalid_parameter',
        attribute,
        `${name} is too short (minimum is ${String(params.limit)} characters)`,
      );
    case 'maxLength':
      return problem(
        'invalid_parameter',
        attribute,
        `${name} is too long (maximum is ${String(params.limit)} characters)`,
      );
    case 'enum':
      return problem(
        'invalid_parameter',
        attribute,
        `${name} must be one of: ${(params.allowedValues as unknown[]).join(', ')}`,
      );
    case 'pattern':
      return problem('invalid_parameter', attribute, `${name} has an invalid format`);
    case 'minimum':
      return problem(
        'invalid_parameter',
        attribute,
        `${name} must be greater than or equal to ${String(params.limit)}`,
      );
    case 'maximum':
      return problem(
        'invalid_parameter',
        attribute,
        `${name} must be less than or equal to ${String(params.limit)}`,
      );
    case 'exclusiveMinimum':
      return problem(
        'invalid_parameter',
        attribute,
        `${name} must be greater than ${String(params.limit)}`,
      );
    case 'additionalProperties':
      return problem('invalid_parameter', attribute, `${name} is not a parameter of this request`);
    case 'uniqueItems':
      return problem('invalid_parameter', attribute, `${name} must not repeat an item`);
    default:
      return problem('invalid_parameter', attribute, `${name} ${error.message ?? 'is invalid'}`);
  }
}

/** Ajv errors → one wire problem per failing field (the first error of each field wins). */
export function problemsFromAjv(errors: readonly ErrorObject[]): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  const seen = new Set<string | null>();
  // The schema's fields in its order, then the fields it does not take.
  const unknown = (e: ErrorObject) => e.keyword === 'additionalProperties';
  for (const error of [...errors.filter((e) => !unknown(e)), ...errors.filter(unknown)]) {
    const attribute = attributeOf(error);
    if (seen.has(attribute)) continue;
    seen.add(attribute);
    out.push(describe(error, attribute));
  }
  return out;
}
