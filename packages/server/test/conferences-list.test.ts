import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Conference } from '@conclave/schema';
import { startTestServer, type ApiResponse, type TestServer } from './helpers/test-server.js';

interface Item {
  id: string;
  name: string;
  created_at: string;
  join_from: string | null;
  join_until: string | null;
}

// A clock that gives the same millisecond to several creates in a row, so ordering ties on
// created_at are common and the id tie-break is exercised.
let tick = 0;
const clock = () => Date.UTC(2026, 0, 1) + Math.floor(tick++ / 3);

let server: TestServer;
before(async () => {
  server = await startTestServer({ now: clock });
});
after(async () => {
  await server.close();
});

async function createIn(
  project: TestServer['project'],
  body: Record<string, unknown>,
): Promise<Item> {
  const res = await server.api('/api/video/conferences', { method: 'POST', body, project });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Item;
}

async function walk(
  first: string,
  project: TestServer['project'],
  during?: (pageCount: number, page: ApiResponse) => Promise<void>,
) {
  const pages: ApiResponse[] = [];
  let next: string | undefined = first;
  while (next) {
    const res = await server.api(next, { project });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    pages.push(res);
    next = res.body.links.next;
    if (during) await during(pages.length, res);
    assert.ok(pages.length < 10000, 'walk does not end');
  }
  return pages;
}

/** The expected order: created_at desc, then id desc (D13), from the server's full-precision keys. */
function isDescending(items: Item[]): boolean {
  for (let i = 1; i < items.length; i++) {
    const a = items[i - 1]!;
    const b = items[i]!;
    if (a.created_at < b.created_at) return false;
    if (a.created_at === b.created_at && a.id === b.id) return false;
  }
  return true;
}

describe('GET /api/video/conferences — pagination', () => {
  let project: TestServer['project'];
  let all: Item[];

  before(async () => {
    project = await server.newProject();
    const created: Item[] = [];
    for (let i = 0; i < 320; i++) created.push(await createIn(project, { display_name: `c${i}` }));
    const res = await server.api('/api/video/conferences?page_size=1000', { project });
    all = res.body.data;
    assert.equal(all.length, 320);
    assert.deepEqual(new Set(all.map((c) => c.id)), new Set(created.map((c) => c.id)));
  });

  it('orders newest first, stably', async () => {
    assert.ok(isDescending(all));
    const again = await server.api('/api/video/conferences?page_size=1000', { project });
    assert.deepEqual(
      again.body.data.map((c: Item) => c.id),
      all.map((c) => c.id),
    );
  });

  it('breaks created_at ties by id, descending', async () => {
    const frozen = await startTestServer({ now: () => Date.UTC(2026, 0, 1) });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await frozen.api('/api/video/conferences', {
          method: 'POST',
          body: { display_name: `t${i}` },
        });
        ids.push(res.body.id);
      }
      const pages = [];
      let next: string | undefined = '/api/video/conferences?page_size=6';
      while (next) {
        const res = await frozen.api(next);
        pages.push(...(res.body.data as Item[]).map((c) => c.id));
        next = res.body.links.next;
      }
      assert.deepEqual(pages, [...ids].sort().reverse());
      // Ids are ordered (UUIDv7, E229): within one millisecond, newest first is creation order.
      assert.deepEqual(pages, [...ids].reverse());
    } finally {
      await frozen.close();
    }
  });

  it('uses page_size 50 by default and builds exact links', async () => {
    const res = await server.api('/api/video/conferences', { project });
    assert.equal(res.body.data.length, 50);
    const base = `${server.url}/api/video/conferences`;
    assert.equal(res.body.links.self, `${base}?page_number=0&page_size=50`);
    assert.equal(res.body.links.first, `${base}?page_size=50`);
    assert.equal(res.body.links.prev, undefined);
    assert.match(
      res.body.links.next,
      new RegExp(`^${base}\\?page_number=1&page_size=50&page_token=PA[A-Za-z0-9_-]{34}$`),
    );
    const second = await server.api(res.body.links.next, { project });
    assert.equal(second.body.links.self, res.body.links.next);
    assert.match(second.body.links.prev, /page_number=0&page_size=50&page_token=PB/);
    assert.deepEqual(
      second.body.data.map((c: Item) => c.id),
      all.slice(50, 100).map((c) => c.id),
    );
  });

  for (const size of [1, 7, 50, 1000]) {
    it(`walks forward and back at page_size ${size} with exact pages`, async () => {
      const pages = await walk(`/api/video/conferences?page_size=${size}`, project);
      const seen = pages.flatMap((p) => p.body.data as Item[]);
      assert.deepEqual(
        seen.map((c) => c.id),
        all.map((c) => c.id),
      );
      assert.equal(pages.length, Math.ceil(all.length / size));
      pages.forEach((p, i) => {
        assert.ok(p.body.data.length > 0, 'no empty page while walking forward');
        assert.equal(p.body.links.next === undefined, i === pages.length - 1);
        assert.equal(p.body.links.prev === undefined, i === 0);
      });
      // Back along prev from the last page reproduces every page exactly.
      let back: ApiResponse = pages.at(-1)!;
      for (let i = pages.length - 2; i >= 0; i--) {
        back = await server.api(back.body.links.prev, { project });
        assert.deepEqual(back.body.data, pages[i]!.body.data, `page ${i} going back`);
        assert.equal(back.body.links.next, pages[i]!.body.links.next);
      }
      assert.equal(back.body.links.prev, undefined);
    });
  }

  it('gives the same page to a client that re-sends only the query string of links.next', async () => {
    let res = await server.api('/api/video/conferences?page_size=7&include_active_session=false', {
      project,
    });
    for (let i = 0; i < 5; i++) {
      const next = new URL(res.body.links.next);
      const viaQuery = await server.api(`/api/video/conferences${next.search}`, { project });
      const viaUrl = await server.api(res.body.links.next, { project });
      assert.deepEqual(viaQuery.body, viaUrl.body);
      res = viaUrl;
    }
  });
});

describe('GET /api/video/conferences — walks while others write (D14)', () => {
  for (const size of [1, 7, 50, 1000]) {
    it(`never skips or repeats a stable item at page_size ${size}`, async () => {
      const project = await server.newProject();
      const initial: Item[] = [];
      for (let i = 0; i < 220; i++)
        initial.push(await createIn(project, { display_name: `w${i}` }));
      // Writers during the walk: new conferences (newer than everything), deletions of every
      // 5th original item, and deletion of the item the next token points at on every 3rd page.
      const doomed = initial.filter((_, i) => i % 5 === 0);
      const deleted = new Set<string>();
      const remove = async (id: string) => {
        deleted.add(id);
        await server.api(`/api/video/conferences/${id}`, { method: 'DELETE', project });
      };
      let d = 0;
      const pages = await walk(
        `/api/video/conferences?page_size=${size}`,
        project,
        async (n, page) => {
          for (let k = 0; k < 3; k++) await createIn(project, { display_name: `new ${n}.${k}` });
          const cursorItem = (page.body.data as Item[]).at(-1);
          if (n % 3 === 0 && cursorItem) await remove(cursorItem.id);
          for (let k = 0; k < 2 && d < doomed.length; k++, d++) await remove(doomed[d]!.id);
        },
      );
      const stable = initial.filter((c) => !deleted.has(c.id)).map((c) => c.id);
      assert.ok(stable.length > 100);
      const seen = pages.flatMap((p) => p.body.data as Item[]);
      const ids = seen.map((c) => c.id);
      assert.equal(new Set(ids).size, ids.length, 'no item repeats');
      for (const id of stable) assert.ok(ids.includes(id), `stable item ${id} was skipped`);
      assert.ok(isDescending(seen), 'the walk stays in order');
    });
  }

  it('continues past a deleted item that the next token points at', async () => {
    const project = await server.newProject();
    for (let i = 0; i < 30; i++) await createIn(project, { display_name: `p${i}` });
    const full = (await server.api('/api/video/conferences?page_size=100', { project })).body
      .data as Item[];
    const first = await server.api('/api/video/conferences?page_size=10', { project });
    const cursorItem = first.body.data.at(-1) as Item;
    await server.api(`/api/video/conferences/${cursorItem.id}`, { method: 'DELETE', project });
    const second = await server.api(first.body.links.next, { project });
    assert.deepEqual(
      second.body.data.map((c: Item) => c.id),
      full.slice(10, 20).map((c) => c.id),
    );
    // And back: the page before the second page is the first page minus the deleted item.
    const back = await server.api(second.body.links.prev, { project });
    assert.deepEqual(
      back.body.data.map((c: Item) => c.id),
      full.slice(0, 9).map((c) => c.id),
    );
  });

  it('steps back from a page that was emptied by deletions', async () => {
    const project = await server.newProject();
    for (let i = 0; i < 12; i++) await createIn(project, { display_name: `e${i}` });
    const first = await server.api('/api/video/conferences?page_size=10', { project });
    const rest = (await server.api(first.body.links.next, { project })).body.data as Item[];
    for (const c of rest)
      await server.api(`/api/video/conferences/${c.id}`, { method: 'DELETE', project });
    const empty = await server.api(first.body.links.next, { project });
    assert.deepEqual(empty.body.data, []);
    assert.equal(empty.body.links.next, undefined);
    const back = await server.api(empty.body.links.prev, { project });
    assert.deepEqual(
      back.body.data.map((c: Item) => c.id),
      first.body.data.map((c: Item) => c.id),
    );
  });
});

describe('GET /api/video/conferences — filters', () => {
  let project: TestServer['project'];
  const windows: [string | null, string | null][] = [
    ['2025-01-01T00:00:00Z', '2025-01-01T01:00:00Z'],
    ['2025-06-01T00:00:00Z', '2025-06-02T00:00:00Z'],
    ['2025-06-01T00:00:00Z', null],
    [null, '2025-03-01T00:00:00Z'],
    [null, null],
    ['2026-01-01T00:00:00Z', '2026-12-31T00:00:00Z'],
  ];
  before(async () => {
    project = await server.newProject();
    for (const [i, [from, until]] of windows.entries()) {
      await createIn(project, {
        display_name: `f${i}`,
        ...(from ? { join_from: from } : {}),
        ...(until ? { join_until: until } : {}),
      });
    }
  });
  const names = async (query: string) => {
    const res = await server.api(`/api/video/conferences?${query}`, { project });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.data as { display_name: string }[]).map((c) => c.display_name).sort();
  };

  it('starts_after keeps join_from at or after T, inclusive, and drops conferences without one', async () => {
    assert.deepEqual(await names('starts_after=2025-06-01T00:00:00Z'), ['f1', 'f2', 'f5']);
    assert.deepEqual(await names('starts_after=2025-06-01T00:00:01Z'), ['f5']);
    assert.deepEqual(await names('starts_after=2025-06-01'), ['f1', 'f2', 'f5']);
    assert.deepEqual(await names(`starts_after=${Date.UTC(2025, 5, 1) / 1000}`), [
      'f1',
      'f2',
      'f5',
    ]);
    assert.deepEqual(await names('starts_after=2025-06-01T02:00:00%2B02:00'), ['f1', 'f2', 'f5']);
  });

  it('ends_before keeps join_until at or before T, and drops conferences without one', async () => {
    assert.deepEqual(await names('ends_before=2025-03-01T00:00:00Z'), ['f0', 'f3']);
    assert.deepEqual(await names('ends_before=2025-02-28T23:59:59Z'), ['f0']);
    assert.deepEqual(await names('ends_before=1740787200'), ['f0', 'f3']);
  });

  it('combines both filters and carries them into every link', async () => {
    assert.deepEqual(await names('starts_after=2025-01-01&ends_before=2025-12-31'), ['f0', 'f1']);
    const res = await server.api(
      '/api/video/conferences?starts_after=2025-01-01&ends_before=2025-12-31&page_size=1&include_active_session=TRUE',
      { project },
    );
    const next = new URL(res.body.links.next);
    assert.equal(next.searchParams.get('starts_after'), '2025-01-01');
    assert.equal(next.searchParams.get('ends_before'), '2025-12-31');
    assert.equal(next.searchParams.get('include_active_session'), 'true');
    assert.deepEqual([...next.searchParams.keys()], [...next.searchParams.keys()].sort());
    const page2 = await server.api(res.body.links.next, { project });
    assert.equal(page2.body.data.length, 1);
    assert.equal(page2.body.links.next, undefined);
    const first = new URL(page2.body.links.first);
    assert.equal(first.searchParams.get('page_number'), null);
    assert.equal(first.searchParams.get('starts_after'), '2025-01-01');
  });

  it('rejects filters that are not dates', async () => {
    for (const [query, attribute] of [
      ['starts_after=yesterday', 'starts_after'],
      ['ends_before=2025-13-01', 'ends_before'],
      ['starts_after=2025-02-29', 'starts_after'],
      ['ends_before=', 'ends_before'],
    ] as const) {
      const res = await server.api(`/api/video/conferences?${query}`, { project });
      assert.equal(res.status, 422, query);
      assert.deepEqual(
        res.body.errors.map((e: { attribute: string; code: string }) => [e.attribute, e.code]),
        [[attribute, 'not_a_datetime']],
      );
    }
  });
});

describe('GET /api/video/conferences — parameter errors', () => {
  const codes = async (query: string) => {
    const res = await server.api(`/api/video/conferences?${query}`);
    assert.equal(res.status, 422, query);
    return res.body.errors.map((e: { attribute: string; code: string }) => [e.attribute, e.code]);
  };

  it('checks page_size, page_number and include_active_session', async () => {
    assert.deepEqual(await codes('page_size=0'), [['page_size', 'invalid_parameter']]);
    assert.deepEqual(await codes('page_size=1001'), [['page_size', 'invalid_parameter']]);
    assert.deepEqual(await codes('page_size=abc'), [['page_size', 'invalid_parameter']]);
    assert.deepEqual(await codes('page_size=1.5'), [['page_size', 'invalid_parameter']]);
    assert.deepEqual(await codes('page_number=-1'), [['page_number', 'invalid_parameter']]);
    assert.deepEqual(await codes('include_active_session=maybe'), [
      ['include_active_session', 'not_a_boolean'],
    ]);
    assert.deepEqual(await codes('page_size=0&include_active_session=2'), [
      ['include_active_session', 'not_a_boolean'],
      ['page_size', 'invalid_parameter'],
    ]);
    for (const ok of [
      'page_size=1',
      'page_size=1000',
      'include_active_session=False',
      'include_active_session=0',
    ]) {
      assert.equal((await server.api(`/api/video/conferences?${ok}`)).status, 200, ok);
    }
  });

  it('requires a page token past page 0 and rejects garbled ones', async () => {
    assert.deepEqual(await codes('page_number=1'), [['page_token', 'page_token_required']]);
    const garbled = [
      'PA',
      'xyz',
      'PAb3877c40da604998',
      'PC' + 'A'.repeat(34),
      'PA' + '!'.repeat(34),
      'PA' + '_'.repeat(34),
      `PA${randomUUID()}`,
    ];
    for (const token of garbled) {
      assert.deepEqual(
        await codes(`page_number=1&page_token=${encodeURIComponent(token)}`),
        [['page_token', 'page_token_is_invalid']],
        token,
      );
    }
  });

  it('returns an empty list with only self and first links', async () => {
    const project = await server.newProject();
    const res = await server.api('/api/video/conferences', { project });
    assert.deepEqual(res.body.data, []);
    assert.deepEqual(Object.keys(res.body.links).sort(), ['first', 'self']);
  });

  it('sends each conference as GET shows it, keys in the schema’s order', async () => {
    const project = await server.newProject();
    const created = await createIn(project, {
      display_name: 'Keys',
      join_from: '2026-03-01T10:00:00Z',
      meta: { team: 'a' },
    });
    const listed = await server.api('/api/video/conferences', { project });
    const got = await server.api(`/api/video/conferences/${created.id}`, { project });
    assert.equal(JSON.stringify(listed.body.data[0]), JSON.stringify(got.body));
    const schemaOrder = Object.keys(Conference.properties).filter((k) => k !== 'active_session');
    assert.deepEqual(Object.keys(listed.body.data[0]), schemaOrder);
  });

  it('sends non-ASCII text escaped (\\uXXXX), the same JSON as GET', async () => {
    const project = await server.newProject();
    const text = 'Zoë — ☃ 😀';
    const created = await createIn(project, { display_name: text, meta: { note: text } });
    const listed = await server.api('/api/video/conferences', { project });
    assert.ok(
      [...listed.text].every((c) => c.charCodeAt(0) < 0x80),
      'the list body is all ASCII',
    );
    assert.ok(listed.text.includes('Zo\\u00eb \\u2014 \\u2603 \\ud83d\\ude00'), listed.text);
    const got = await server.api(`/api/video/conferences/${created.id}`, { project });
    assert.equal(got.body.display_name, text);
    assert.deepEqual(listed.body.data[0], got.body);
  });
});

describe('include_active_session', () => {
  it('adds active_session only for a conference whose session is in progress', async () => {
    const project = await server.newProject();
    const live = await createIn(project, { display_name: 'live', size: 'small' });
    const idle = await createIn(project, { display_name: 'idle' });
    const sessionId = randomUUID();
    await server.store.startRoomSession({
      id: sessionId,
      projectId: project.id,
      conferenceId: live.id,
      name: live.name,
      displayName: 'live',
      layout: 'grid-responsive',
      quality: '720p',
      fps: 20,
      maxMembers: 10,
      startTime: Date.UTC(2026, 0, 1, 10),
    });
    const list = await server.api('/api/video/conferences?include_active_session=true', {
      project,
    });
    const byId = new Map(
      (list.body.data as (Item & { active_session?: Record<string, unknown> })[]).map((c) => [
        c.id,
        c,
      ]),
    );
    assert.deepEqual(byId.get(live.id)!.active_session, {
      id: sessionId,
      // A conference's backing room has the conference's id (docs/decisions.md, E18).
      room_id: live.id,
      name: live.name,
      display_name: 'live',
      status: 'in-progress',
      start_time: '2026-01-01T10:00:00Z',
      layout: 'grid-responsive',
      quality: '720p',
      fps: 20,
      max_members: 10,
      record_on_start: false,
      enable_room_previews: false,
      audio_video_sync: false,
    });
    assert.ok(!('active_session' in byId.get(idle.id)!));
    const plain = await server.api('/api/video/conferences', { project });
    assert.ok(plain.body.data.every((c: object) => !('active_session' in c)));
    const one = await server.api(`/api/video/conferences/${live.id}?include_active_session=true`, {
      project,
    });
    assert.equal(one.body.active_session.id, sessionId);
    const without = await server.api(`/api/video/conferences/${live.id}`, { project });
    assert.ok(!('active_session' in without.body));

    await server.store.endRoomSession(project.id, sessionId, Date.UTC(2026, 0, 1, 11));
    const ended = await server.api(
      `/api/video/conferences/${live.id}?include_active_session=true`,
      { project },
    );
    assert.ok(!('active_session' in ended.body));
  });
});
