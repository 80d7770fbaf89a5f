import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AdminClient, RestClient, joinUrl } from '@conclave/sdk';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, screenshot } from './helpers/checks.js';
import { startConclave, type Conclave } from '@conclave/testkit';
import {
  CHROMIUM_PATH,
  haveChromium,
  launchBrowser,
  openPerson,
  type Person,
} from './helpers/browser.js';

// The console end to end: the real server serves /console; a headless Chromium signs in, lists,
// creates, watches a live session while a second page joins it, pages through 1,000 conferences,
// plays a recording, and is signed out when its token is revoked.

const skip =
  !haveChromium && process.env.CI !== 'true'
    ? { skip: `no Chromium at ${CHROMIUM_PATH} (install Debian's chromium package)` }
    : {};

describe('the console', { ...skip, timeout: 600_000 }, () => {
  let conclave: Conclave;
  let client: RestClient;
  let admin: AdminClient;
  let browser: Browser;
  const people: Person[] = [];

  async function open(path = '/console', options: Parameters<typeof openPerson>[2] = {}) {
    const p = await openPerson(browser, `${conclave.url}${path}`, options);
    people.push(p);
    return p;
  }

  async function signIn(page: Page, projectId = conclave.projectId, token = conclave.apiToken) {
    await page.getByLabel('Project ID').fill(projectId);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  before(async () => {
    assert.ok(haveChromium, `Chromium is required in CI: none at ${CHROMIUM_PATH}`);
    conclave = await startConclave({ media: { workers: 1, addresses: '127.0.0.1' } });
    client = new RestClient({
      project: conclave.projectId,
      token: conclave.apiToken,
      host: conclave.url,
    });
    admin = new AdminClient({ url: conclave.url, adminToken: conclave.adminToken });
    browser = await launchBrowser();
  });

  after(async () => {
    for (const p of people) await p.close().catch(() => undefined);
    await browser?.close();
    await conclave?.close();
  });

  it('signs in, says when the credentials are wrong, creates a conference after a field error', async () => {
    const { page } = await open();
    await page.getByRole('heading', { name: 'Conclave console' }).waitFor();
    await assertAccessible(page, 'sign in');
    await signIn(page, conclave.projectId, `PT${'0'.repeat(48)}`);
    await page.getByRole('alert').getByText('Wrong project ID or API token.').waitFor();
    await page.getByLabel('API token').fill(conclave.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Conferences' }).waitFor();
    assert.ok(!page.url().includes(conclave.apiToken), 'the token is not in the URL');

    await page.getByRole('link', { name: 'New conference' }).click();
    await page.getByRole('heading', { name: 'New conference' }).waitFor();
    await assertAccessible(page, 'new conference');
    // A join window that ends before it starts: the API refuses, and says so beside the field.
    await page.getByLabel('Display name').fill('Quarterly review');
    await page.getByLabel('Join from').fill('2031-05-02T10:00');
    await page.getByLabel('Join until').fill('2031-05-01T10:00');
    await page.getByRole('button', { name: 'Create conference' }).click();
    const until = page.getByLabel('Join until');
    await page.locator('.field.invalid').first().waitFor();
    const invalid = await page
      .locator('[aria-invalid="true"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('name')));
    assert.ok(invalid.length > 0, 'a field is marked invalid');
    await until.fill('2031-05-02T12:00');
    await page.getByRole('button', { name: 'Create conference' }).click();
    await page.getByRole('heading', { name: 'Quarterly review' }).waitFor();
    await page.getByRole('heading', { name: 'Tokens' }).waitFor();
    await assertAccessible(page, 'conference');
    await screenshot(page, 'console-conference.png');
    const created = (await client.video.conferences.list()).data.find(
      (c) => c.display_name === 'Quarterly review',
    );
    assert.ok(created, 'created through the API');
    assert.equal(
      created.join_until,
      new Date(2031, 4, 2, 12, 0).toISOString().replace('.000Z', 'Z'),
      'local time sent as UTC',
    );
  });

  it('watches a member join live, mutes and removes them, and ends the session', async () => {
    const conference = await client.video.conferences.create({ display_name: 'Live check' });
    const tokens = (await client.video.conferences.listConferenceTokens(conference.id)).data;
    const guest = tokens.find((t) => t.name === 'Guest')!.token;
    const con = await open();
    await signIn(con.page);
    await con.page.getByRole('link', { name: 'Live', exact: true }).click();
    await con.page.getByText(/sessions? in progress, updated as they change/).waitFor();

    const joiner = await open(
      joinUrl(conclave.url, guest, { name: 'Nora' }).replace(conclave.url, ''),
    );
    await joiner.page.getByRole('button', { name: 'Join', exact: true }).click();
    await joiner.page.getByRole('group', { name: 'Meeting controls' }).waitFor();

    const card = con.page.getByRole('region', { name: 'Live check' });
    await card.locator('tbody tr', { hasText: 'Nora' }).waitFor();
    await assertAccessible(con.page, 'live');
    await screenshot(con.page, 'console-live.png');
    // On a phone: every member's controls fit, nothing scrolls sideways.
    await con.page.setViewportSize({ width: 390, height: 844 });
    const fits = await card
      .getByRole('button', { name: 'Remove Nora', exact: true })
      .evaluate((b) => {
        const r = b.getBoundingClientRect();
        const table = b.closest('.table-wrap')!;
        return (
          table.scrollWidth <= table.clientWidth &&
          r.left >= 0 &&
          r.right <= document.documentElement.clientWidth
        );
      });
    assert.ok(fits, 'the people table fits and "Remove" is on screen at 390 px');
    assert.equal(
      await con.page.evaluate(
        () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
      ),
      false,
      'no sideways scroll at 390 px',
    );
    const gap = await con.page.evaluate(
      () =>
        document.querySelector('h1')!.getBoundingClientRect().top -
        document.querySelector('.console-top')!.getBoundingClientRect().bottom,
    );
    assert.ok(gap < 80, `the screen starts under the top bar at 390 px (${gap} px below it)`);
    await assertAccessible(con.page, 'live, phone');
    await screenshot(con.page, 'console-live-phone.png');
    await con.page.setViewportSize({ width: 1280, height: 720 });

    await card.getByRole('button', { name: 'Mute Nora', exact: true }).click();
    await con.page
      .getByRole('dialog', { name: 'Mute Nora?' })
      .getByRole('button', { name: 'Mute' })
      .click();
    await joiner.page.getByText('A moderator muted your microphone.').waitFor();
    await card
      .locator('tbody tr', { hasText: 'Nora' })
      .getByText(/microphone off/)
      .waitFor();

    await card.getByRole('button', { name: 'Remove Nora', exact: true }).click();
    await con.page
      .getByRole('dialog', { name: 'Remove Nora?' })
      .getByRole('button', { name: 'Remove' })
      .click();
    await joiner.page.getByRole('heading', { name: 'You were removed from the meeting' }).waitFor();
    await card.locator('tbody tr', { hasText: 'Nora' }).waitFor({ state: 'detached' });

    // A second person, then the session ends from the console.
    await joiner.page.goto(joinUrl(conclave.url, guest, { name: 'Omar' }));
    await joiner.page.getByRole('button', { name: 'Join', exact: true }).click();
    await card.locator('tbody tr', { hasText: 'Omar' }).waitFor();
    await card.getByRole('button', { name: 'End session Live check' }).click();
    await con.page.getByRole('dialog').getByRole('button', { name: 'End session' }).click();
    await joiner.page.getByRole('heading', { name: 'The meeting has ended' }).waitFor();
    await card.waitFor({ state: 'detached' });
  });

  it('records a live session: Record, “● Recording” while it records, Stop recording; the file is stored', async () => {
    const conference = await client.video.conferences.create({ display_name: 'Town hall' });
    const tokens = (await client.video.conferences.listConferenceTokens(conference.id)).data;
    const guest = tokens.find((t) => t.name === 'Guest')!.token;
    const con = await open();
    await signIn(con.page);
    await con.page.getByRole('link', { name: 'Live', exact: true }).click();
    await con.page.getByText(/sessions? in progress, updated as they change/).waitFor();
    const joiner = await open(
      joinUrl(conclave.url, guest, { name: 'Rita' }).replace(conclave.url, ''),
    );
    await joiner.page.getByRole('button', { name: 'Join', exact: true }).click();
    await joiner.page.getByRole('group', { name: 'Meeting controls' }).waitFor();
    const card = con.page.getByRole('region', { name: /^Town hall/ });
    await card.locator('tbody tr', { hasText: 'Rita' }).waitFor();
    const sessionId = (await card.getAttribute('data-session'))!;
    const badge = card.getByRole('heading', { name: 'Town hall' }).getByText('Recording');
    assert.equal(await badge.count(), 0, 'not recording yet');

    await card.getByRole('button', { name: 'Record Town hall', exact: true }).click();
    await con.page
      .getByRole('dialog', { name: 'Record Town hall?' })
      .getByRole('button', { name: 'Record', exact: true })
      .click();
    await badge.waitFor();
    const stop = card.getByRole('button', { name: 'Stop recording Town hall', exact: true });
    await stop.waitFor();
    const [inProgress] = (await client.video.roomSessions.listRecordings(sessionId)).data;
    assert.equal(inProgress?.status, 'recording');
    await assertAccessible(con.page, 'live, recording');
    await screenshot(con.page, 'console-live-recording.png');

    await new Promise((r) => setTimeout(r, 3000)); // a few seconds of Rita’s camera
    await stop.click();
    await con.page
      .getByRole('dialog', { name: 'Stop recording Town hall?' })
      .getByRole('button', { name: 'Stop recording', exact: true })
      .click();
    await badge.waitFor({ state: 'detached' });
    await card.getByRole('button', { name: 'Record Town hall', exact: true }).waitFor();
    const deadline = Date.now() + 30_000;
    for (;;) {
      const row = await client.video.roomRecordings.get(inProgress!.id);
      if (row.status === 'completed') {
        assert.ok(row.uri, 'the file is stored');
        assert.ok((row.size_in_bytes ?? 0) > 0);
        break;
      }
      assert.ok(Date.now() < deadline, `the recording is still ${row.status}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // The session's details list it.
    await card.getByRole('link', { name: 'Details of Town hall' }).click();
    await con.page.getByRole('table', { name: 'Recordings' }).getByRole('row').nth(1).waitFor();
  });

  it('pages through 1,000 conferences one keyset page at a time', async () => {
    const existing = (await client.video.conferences.list({ page_size: 1000 })).data.length;
    const names: string[] = [];
    for (let i = 0; i < 1000 - existing; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, 1000 - existing - i) }, (_, k) => {
          const name = `bulk-${String(i + k).padStart(4, '0')}`;
          names.push(name);
          return client.video.conferences.create({ display_name: name, name });
        }),
      );
    }
    const { page } = await open();
    await signIn(page);
    await page.getByRole('heading', { name: 'Conferences' }).waitFor();
    const firstRow = () => page.locator('tbody tr').first().locator('td').nth(1).innerText();
    // The first page is in: from here on, count the list's requests.
    await page.waitForFunction(
      () => document.querySelector('table')?.getAttribute('aria-busy') === 'false',
    );
    await firstRow();
    const requests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/video/conferences?')) requests.push(r.url());
    });
    /** Waits until the table shows another page than the one whose first name is `before`. */
    const turned = (before: string) =>
      page.waitForFunction(
        (name) =>
          document.querySelector('table')?.getAttribute('aria-busy') === 'false' &&
          document.querySelector('tbody tr td:nth-child(2)')?.textContent !== name,
        before,
      );
    const firsts = [await firstRow()];
    for (let n = 2; n <= 5; n++) {
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByText(`Page ${n}`, { exact: true }).waitFor();
      await turned(firsts[firsts.length - 1]!);
      firsts.push(await firstRow());
    }
    assert.equal(new Set(firsts).size, 5, 'five different pages');
    await page.getByRole('button', { name: 'Previous' }).click();
    await page.getByText('Page 4', { exact: true }).waitFor();
    await page.waitForFunction(
      (name) =>
        document.querySelector('tbody tr td:nth-child(2)')?.textContent === name &&
        document.querySelector('table')?.getAttribute('aria-busy') === 'false',
      firsts[3]!,
    );
    assert.equal(requests.length, 5, 'one request per page shown');
    for (const url of requests) assert.match(url, /page_size=25/, `a page of 25: ${url}`);
    assert.ok(
      requests.slice(0, 4).every((u) => u.includes('page_token=')),
      'keyset pages',
    );
    assert.equal(await page.locator('tbody tr').count(), 25);
  });

  it('plays a recording', async () => {
    // A real WebM, recorded by Chromium itself from a canvas.
    const recorder = await open('/console');
    const bytes = (await recorder.page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 320;
      canvas.height = 240;
      const g = canvas.getContext('2d')!;
      let n = 0;
      const timer = setInterval(() => {
        g.fillStyle = `hsl(${(n++ * 20) % 360} 80% 50%)`;
        g.fillRect(0, 0, 320, 240);
      }, 40);
      const rec = new MediaRecorder(canvas.captureStream(25), { mimeType: 'video/webm' });
      const chunks: Blob[] = [];
      rec.ondataavailable = (e) => chunks.push(e.data);
      const done = new Promise((r) => (rec.onstop = r));
      rec.start();
      await new Promise((r) => setTimeout(r, 2000));
      rec.stop();
      await done;
      clearInterval(timer);
      return [...new Uint8Array(await new Blob(chunks).arrayBuffer())];
    })) as number[];
    assert.ok(bytes.length > 1000, 'a recording was made');
    const room = await client.video.rooms.create({ name: 'recorded' });
    const sessionId = randomUUID();
    const { store, projectId } = conclave;
    const t0 = Date.now() - 60_000;
    await store.startRoomSession({
      id: sessionId,
      projectId,
      roomId: room.id,
      name: 'recorded',
      startTime: t0,
    });
    const recordingId = randomUUID();
    assert.ok(
      await store.startRecording({
        id: recordingId,
        projectId,
        roomSessionId: sessionId,
        startedAt: t0 + 1000,
      }),
      'recording started',
    );
    const key = `recordings/${projectId}/${recordingId}.webm`;
    mkdirSync(dirname(join(conclave.mediaDir, key)), { recursive: true });
    writeFileSync(join(conclave.mediaDir, key), Buffer.from(bytes));
    assert.ok(
      await store.finishRecording(projectId, recordingId, {
        finishedAt: t0 + 3000,
        sizeInBytes: bytes.length,
        format: 'video/webm',
        storageKey: key,
      }),
      'recording finished',
    );
    await store.endRoomSession(projectId, sessionId, t0 + 5000);

    const { page } = recorder;
    await signIn(page);
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('link', { name: 'recorded' }).click();
    await page.getByRole('heading', { name: 'Recordings' }).waitFor();
    await page.getByRole('button', { name: /^Play/ }).click();
    await page.waitForFunction(() => {
      const v = document.querySelector('figure.player video') as HTMLVideoElement | null;
      return !!v && v.readyState >= 2 && v.currentTime > 0.2;
    });
    await assertAccessible(page, 'session with recording');
    await screenshot(page, 'console-session.png');
  });

  it('signs out when its API token is revoked', async () => {
    const token = await admin.apiTokens.create(conclave.projectId, { name: 'console-check' });
    const { page } = await open();
    await signIn(page, conclave.projectId, token.token);
    await page.getByRole('heading', { name: 'Conferences' }).waitFor();
    await admin.apiTokens.revoke(conclave.projectId, token.id);
    await page.getByRole('link', { name: 'Rooms' }).click();
    await page.getByText(/Signed out: the credentials are no longer accepted/).waitFor();
    await page.getByRole('heading', { name: 'Conclave console' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'nothing kept');
  });

  it('lets the administrator manage projects and API tokens, on a phone too', async () => {
    const { page } = await open('/console', { viewport: { width: 390, height: 844 } });
    await page.getByLabel('The administrator').check();
    await page.getByLabel('Admin token').fill(conclave.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.getByLabel("New project's name").fill('Acme');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    await page.getByLabel("New token's name").fill('laptop');
    await page.getByRole('button', { name: 'Create API token' }).click();
    const shown = await page.locator('.issued code').innerText();
    assert.match(shown, /^PT[0-9a-f]{48}$/, 'the new token, shown once');
    await page.getByRole('cell', { name: 'laptop', exact: true }).waitFor();
    await assertAccessible(page, 'project, phone');
    await page.getByRole('button', { name: 'Menu' }).click();
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Projects' })
      .waitFor();
    await screenshot(page, 'console-phone.png');
  });
  it('walks every screen of a project, with no serious accessibility problem on any', async () => {
    const room = await client.video.rooms.create({ name: 'walk-room', display_name: 'Walk room' });
    const { page } = await open();
    await signIn(page);
    await page.getByRole('heading', { name: 'Conferences' }).waitFor();
    await assertAccessible(page, 'conferences');
    await screenshot(page, 'console-conferences.png');
    await page.getByRole('link', { name: 'Rooms' }).click();
    await page.getByRole('heading', { name: 'Rooms' }).waitFor();
    await assertAccessible(page, 'rooms');
    await page.getByRole('link', { name: 'New room' }).click();
    await page.getByRole('heading', { name: 'New room' }).waitFor();
    await assertAccessible(page, 'new room');
    await page.goto(`${conclave.url}/console#/rooms/${room.id}`);
    await page.getByRole('heading', { name: 'Walk room' }).waitFor();
    // Invite someone: a room token and its link to the join page.
    await page.getByLabel('Their name').fill('Pia');
    await page.getByRole('button', { name: 'Create invitation' }).click();
    const link = await page.locator('.issued code').innerText();
    assert.ok(link.startsWith(`${conclave.url}/join#token=`), `a join link: ${link}`);
    await assertAccessible(page, 'room');
    for (const [nav, heading] of [
      ['Sessions', 'Sessions'],
      ['Recordings', 'Recordings'],
      ['Logs', 'Video logs'],
    ] as const) {
      await page.getByRole('link', { name: nav, exact: true }).click();
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await assertAccessible(page, heading);
    }
  });
});
