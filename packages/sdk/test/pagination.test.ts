import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminClient, Page, PagePromise, RestClient, type Conference } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';

let server: Conclave;
let client: RestClient;
/** Every conference created here, newest first (the server's order). */
const created: Conference[] = [];

const day = (n: number) => `2030-01-${String(n).padStart(2, '0')}T00:00:00Z`;

before(async () => {
  server = await startConclave();
  client = new RestClient({ project: server.projectId, token: server.apiToken, host: server.url });
  // 23 conferences: join_from on day i, join_until on day i + 10; every third has neither.
  for (let i = 1; i <= 23; i++) {
    const dated = i % 3 !== 0;
    const conference = await client.video.conferences.create({
      display_name: `Conference ${i}`,
      name: `conf-${String(i).padStart(2, '0')}`,
      ...(dated ? { join_from: day(i), join_until: day(i + 5) } : {}),
    });
    created.unshift(conference);
  }
});
after(() => server.close());

const names = (items: { name: string | null }[]) => items.map((c) => c.name);

describe('conferences.list()', () => {
  it('awaits to one page with data, links and navigation', async () => {
    const promise = client.video.conferences.list({ page_size: 5 });
    assert.ok(promise instanceof Promise);
    assert.ok(promise instanceof PagePromise);
    const page = await promise;
    assert.ok(page instanceof Page);
    assert.deepEqual(names(page.data), names(created.slice(0, 5)));
    assert.match(page.links.self, /\/api\/video\/conferences\?page_number=0&page_size=5$/);
    assert.match(page.links.first, /page_size=5/);
    assert.equal(page.links.prev, undefined);
    assert.equal(page.hasNextPage(), true);

    const second = await page.getNextPage();
    assert.deepEqual(names(second.data), names(created.slice(5, 10)));
    assert.match(second.links.prev ?? '', /page_token=PB/);
    assert.deepEqual(JSON.parse(JSON.stringify(second)), {
      links: second.links,
      data: second.data,
    });
  });

  it('walks every page of a filtered list with for await, keeping the filter', async () => {
    const startsAfter = '2030-01-05';
    const expected = created.filter((c) => c.join_from !== null && c.join_from >= day(5));
    assert.equal(expected.length, 13);

    const seen: Conference[] = [];
    for await (const conference of client.video.conferences.list({
      starts_after: startsAfter,
      page_size: 4,
    })) {
      seen.push(conference);
    }
    assert.deepEqual(names(seen), names(expected));

    const pages: number[] = [];
    for await (const page of client.video.conferences
      .list({ starts_after: startsAfter, page_size: 4 })
      .iterPages()) {
      pages.push(page.data.length);
    }
    assert.deepEqual(pages, [4, 4, 4, 1]);
  });

  it('combines filters and carries them into the next page', async () => {
    const first = await client.video.conferences.list({
      starts_after: day(3),
      ends_before: day(20),
      include_active_session: true,
      page_size: 3,
    });
    const params = first.nextPageParams();
    assert.ok(params);
    assert.equal(params.starts_after, day(3));
    assert.equal(params.ends_before, day(20));
    assert.equal(params.include_active_session, 'true');
    assert.equal(params.page_size, '3');
    assert.match(params.page_token ?? '', /^PA/);

    const all: Conference[] = [];
    for await (const c of first) all.push(c);
    const expected = created.filter(
      (c) =>
        c.join_from !== null &&
        c.join_from >= day(3) &&
        c.join_until !== null &&
        c.join_until <= day(20),
    );
    assert.deepEqual(names(all), names(expected));
  });

  it('resumes a walk from nextPageParams() passed back to list()', async () => {
    const first = await client.video.conferences.list({ page_size: 10 });
    const resumed = await client.video.conferences.list(first.nextPageParams()!);
    assert.deepEqual(names(resumed.data), names(created.slice(10, 20)));
  });

  it('ends: the last page has no next, and getNextPage() rejects', async () => {
    const page = await client.video.conferences.list({ page_size: 1000 });
    assert.equal(page.data.length, created.length);
    assert.equal(page.hasNextPage(), false);
    assert.equal(page.nextPageParams(), null);
    await assert.rejects(page.getNextPage(), /no next page/);
  });

  it('yields nothing for an empty list', async () => {
    const items: Conference[] = [];
    for await (const c of client.video.conferences.list({ starts_after: '2099-01-01' })) {
      items.push(c);
    }
    assert.deepEqual(items, []);
  });
});

describe('conferences.listConferenceTokens()', () => {
  it('pages through the Moderator and Guest tokens', async () => {
    const id = created[0]!.id;
    const first = await client.video.conferences.listConferenceTokens(id, { page_size: 1 });
    assert.equal(first.data.length, 1);
    assert.equal(first.hasNextPage(), true);
    const names: (string | null)[] = [];
    for await (const token of client.video.conferences.listConferenceTokens(id, {
      page_size: 1,
    })) {
      names.push(token.name);
    }
    assert.deepEqual([...names].sort(), ['Guest', 'Moderator']);
  });
});

describe('admin projects.list()', () => {
  it('walks the projects across pages', async () => {
    const admin = new AdminClient({ url: server.url, adminToken: server.adminToken });
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await admin.projects.create({ name: `p${i}` }));
    const seen: string[] = [];
    for await (const p of admin.projects.list({ page_size: 2 })) seen.push(p.name);
    // The five new ones, newest first, then the project the server was started with.
    assert.deepEqual(seen, ['p4', 'p3', 'p2', 'p1', 'p0', 'Default project']);
  });
});
