import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { NewRoomSession } from '../../src/store/store.js';
import type { ApiResponse, TestProject, TestServer } from './test-server.js';

/** Sessions, members, events and recordings through the store's real write operations. */

export function expectErrors(
  server: TestServer,
  res: ApiResponse,
  expected: [attribute: string | null, code: string][],
): void {
  assert.equal(res.status, 422, JSON.stringify(res.body));
  assert.deepEqual(
    res.body.errors.map((e: { attribute: string | null; code: string }) => [e.attribute, e.code]),
    expected,
  );
  for (const e of res.body.errors) {
    assert.equal(e.type, 'validation_error');
    assert.equal(e.url, `${server.url}/docs/errors#${e.code}`);
  }
}

/** Every id along `links.next` from `path`, asserting no page repeats an id. */
export async function walk(
  server: TestServer,
  path: string,
  project?: TestProject,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let next: string | undefined = path;
  let pages = 0;
  while (next) {
    const res = await server.api(next, project ? { project } : {});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    ids.push(...res.body.data.map((x: { id: string }) => x.id));
    next = res.body.links.next;
    pages++;
    assert.ok(pages < 100, 'the walk ends');
  }
  assert.equal(new Set(ids).size, ids.length, 'no item twice');
  return { ids, pages };
}

export async function newRoom(server: TestServer, name: string, project?: TestProject) {
  const res = await server.api('/api/video/rooms', {
    method: 'POST',
    body: { name },
    ...(project ? { project } : {}),
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { id: string; name: string };
}

export async function newConference(server: TestServer, name: string, project?: TestProject) {
  const res = await server.api('/api/video/conferences', {
    method: 'POST',
    body: { display_name: name, name },
    ...(project ? { project } : {}),
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { id: string; name: string };
}

export async function startSession(
  server: TestServer,
  input: Partial<NewRoomSession> & { name: string; startTime: number },
  project: TestProject = server.project,
): Promise<string> {
  const id = input.id ?? randomUUID();
  await server.store.startRoomSession({ ...input, id, projectId: project.id });
  return id;
}
