import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { VALIDATION_CODES } from '@conclave/schema';
import { buildOpenApiDocument } from '../src/docs/openapi-document.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

describe('GET /api/openapi.json', () => {
  it('serves an OpenAPI 3.1 document with every conference operation', async () => {
    const res = await fetch(`${server.url}/api/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { operationId?: string; responses: Record<string, unknown> }>
      >;
    };
    assert.equal(doc.openapi, '3.1.0');
    const operations = Object.values(doc.paths).flatMap((p) =>
      Object.values(p).map((o) => o.operationId),
    );
    for (const id of [
      'list_video_conferences',
      'create_video_conference',
      'get_video_conference',
      'update_video_conference',
      'delete_video_conference',
      'list_conference_tokens',
      'get_conference_token',
      'reset_conference_token',
      'list_rooms',
      'create_room',
      'get_room',
      'update_room',
      'delete_room',
      'create_room_token',
      'list_conference_streams',
      'create_conference_stream',
      'list_room_streams',
      'create_room_stream',
      'get_stream',
      'update_stream',
      'delete_stream',
      'list_room_sessions',
      'get_room_session',
      'list_room_session_members',
      'list_room_session_events',
      'list_room_session_recordings',
      'list_room_recordings',
      'get_room_recording',
      'delete_room_recording',
      'list_room_recording_events',
      'list_logs',
      'get_log',
    ]) {
      assert.ok(operations.includes(id), id);
    }
    const list = doc.paths['/api/video/conferences']!.get!;
    assert.deepEqual(Object.keys(list.responses).sort(), [
      '200',
      '400',
      '401',
      '403',
      '422',
      '429',
      '500',
      '503',
    ]);
  });

  it('matches the committed packages/server/openapi.json', async () => {
    const committed = JSON.parse(readFileSync(new URL('../openapi.json', import.meta.url), 'utf8'));
    assert.deepEqual(await buildOpenApiDocument(), committed);
  });
});

describe('/docs', () => {
  it('serves the API reference page', async () => {
    const res = await fetch(`${server.url}/docs/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /swagger/i);
  });

  it('serves the error reference with an anchor per code', async () => {
    const res = await fetch(`${server.url}/docs/errors`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    const html = await res.text();
    for (const code of Object.keys(VALIDATION_CODES))
      assert.ok(html.includes(`id="${code}"`), code);
  });
});
