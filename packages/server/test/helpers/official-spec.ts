import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Checks bodies against SignalWire's published OpenAPI document (../shared/reference), which the
 * repository must not copy. Without that file the check is skipped — except in CI, where its
 * absence fails the run.
 */
const here = dirname(fileURLToPath(import.meta.url));
export const OFFICIAL_SPEC_PATH = resolve(
  here,
  '../../../../../shared/reference/signalwire-video-openapi.yaml',
);

let ajv: Ajv2020 | undefined;
let loaded = false;
let warned = false;

function load(): Ajv2020 | undefined {
  if (loaded) return ajv;
  loaded = true;
  if (!existsSync(OFFICIAL_SPEC_PATH)) {
    if (process.env.CI === 'true') {
      throw new Error(`official spec missing at ${OFFICIAL_SPEC_PATH}; CI must check against it`);
    }
    return undefined;
  }
  const doc = parse(readFileSync(OFFICIAL_SPEC_PATH, 'utf8')) as Record<string, unknown>;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ ...doc, $id: 'spec.json' });
  return ajv;
}

export function officialSpecAvailable(): boolean {
  return load() !== undefined;
}

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const compiled = new Map<string, ReturnType<Ajv2020['compile']>>();

/** A generic error body shape for statuses an operation does not declare (403, 413, 429, 503). */
const GENERIC_STATUS = new Set([403, 413, 429, 503]);

/**
 * Operations the spec gives no 404 although their path names a parent that may not exist: D7
 * answers 404 there, checked against the generic 404 body.
 */
const GENERIC_404 = new Set([
  'GET /api/video/conferences/{id}/streams',
  'POST /api/video/conferences/{id}/streams',
  'GET /api/video/rooms/{id}/streams',
  'GET /api/video/room_sessions/{id}/members',
  'GET /api/video/room_sessions/{id}/events',
  'GET /api/video/room_sessions/{id}/recordings',
  'GET /api/video/room_recordings/{id}/events',
]);

/**
 * Asserts `body` matches the official schema of `method path` (path as templated in the spec,
 * e.g. `/api/video/conferences/{id}`) for `status`.
 */
export function assertOfficial(method: string, path: string, status: number, body: unknown): void {
  const instance = load();
  if (!instance) {
    if (!warned) {
      warned = true;
      console.warn(`# official spec not found at ${OFFICIAL_SPEC_PATH}: schema checks skipped`);
    }
    return;
  }
  if (status === 204) {
    assert.equal(body, undefined, `${method} ${path} 204 must have no body`);
    return;
  }
  const operationPointer = `spec.json#/paths/${escape(path)}/${method.toLowerCase()}`;
  const key = `${method} ${path} ${status}`;
  let validate = compiled.get(key);
  if (!validate) {
    const declared = instance.getSchema(
      `${operationPointer}/responses/${status}/content/application~1json/schema`,
    );
    if (declared) validate = declared;
    else if (
      GENERIC_STATUS.has(status) ||
      (status === 404 && GENERIC_404.has(`${method} ${path}`))
    ) {
      const component = instance.getSchema(
        `spec.json#/components/schemas/Types.StatusCodes.StatusCode${status}`,
      );
      validate =
        component ??
        instance.compile({
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'string' } },
          additionalProperties: false,
        });
    } else {
      assert.fail(`${method} ${path} does not declare status ${status} in the official spec`);
    }
    compiled.set(key, validate);
  }
  const ok = validate(body);
  assert.ok(
    ok,
    `${key} body does not match the official schema: ${JSON.stringify(validate.errors, null, 1)}\n${JSON.stringify(body).slice(0, 2000)}`,
  );
}
