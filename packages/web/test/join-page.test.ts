import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RestClient, joinRealtime, joinUrl, type RealtimeSession } from '@conclave/sdk';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, screenshot } from './helpers/checks.js';
import { startConclave, type Conclave } from '@conclave/testkit';
import {
  haveChromium,
  CHROMIUM_PATH,
  launchBrowser,
  openPerson,
  waitForMedia,
  type Person,
} from './helpers/browser.js';

// The join page end to end: the real server (SQLite, media workers) serves the built page;
// people are headless Chromium contexts with fake cameras and microphones. Media is judged by
// the pages' own getStats() counters.

const skip =
  !haveChromium && process.env.CI !== 'true'
    ? { skip: `no Chromium at ${CHROMIUM_PATH} (install Debian's chromium package)` }
    : {};

describe('the join page', { ...skip, timeout: 600_000 }, () => {
  let conclave: Conclave;
  let client: RestClient;
  let browser: Browser;
  const people: Person[] = [];

  async function conference(body: Record<string, unknown> = {}) {
    const created = await client.video.conferences.create({
      name: `c-${Math.random().toString(36).slice(2, 10)}`,
      display_name: 'Meeting',
      ...body,
    } as Parameters<typeof client.video.conferences.create>[0]);
    const tokens = (await client.video.conferences.listConferenceTokens(created.id)).data;
    const token = (name: string) => tokens.find((t) => t.name === name)!.token;
    return {
      id: created.id,
      moderator: token('Moderator'),
      guest: token('Guest'),
      tokens,
    };
  }

  async function person(
    token: string,
    name?: string,
    options: Parameters<typeof openPerson>[2] = {},
  ): Promise<Person> {
    const p = await openPerson(
      browser,
      joinUrl(conclave.url, token, name ? { name } : {}),
      options,
    );
    people.push(p);
    return p;
  }

  /** Opens the link and presses Join. */
  async function joined(
    token: string,
    name: string,
    options: Parameters<typeof openPerson>[2] = {},
  ) {
    const p = await person(token, name, options);
    await p.page.getByRole('button', { name: 'Join', exact: true }).click();
    await p.page.getByRole('group', { name: 'Meeting controls' }).waitFor();
    return p;
  }

  function tiles(page: Page) {
    return page.locator('figure.tile[data-source="camera"]');
  }

  before(async () => {
    assert.ok(haveChromium, `Chromium is required in CI: none at ${CHROMIUM_PATH}`);
    conclave = await startConclave({ media: { workers: 1, addresses: '127.0.0.1' } });
    client = new RestClient({
      project: conclave.projectId,
      token: conclave.apiToken,
      host: conclave.url,
    });
    browser = await launchBrowser();
  });

  after(async () => {
    for (const p of people) await p.close().catch(() => undefined);
    await browser?.close();
    await conclave?.close();
  });

  it('is served with a Content Security Policy, and without a token asks for the link', async () => {
    const response = await fetch(`${conclave.url}/join`);
    assert.equal(response.status, 200, 'GET /join');
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/, 'CSP limits scripts to the server');
    const p = await person('unused');
    await p.page.goto(`${conclave.url}/join`);
    await p.page.getByRole('heading', { name: 'Join a meeting' }).waitFor();
    await p.page.getByLabel('Meeting link or token').fill('not a token');
    await p.page.getByRole('button', { name: 'Continue' }).click();
    await p.page.getByText('That is not a meeting link or token.').waitFor();
    await p.close();
  });

  it('three people join by their links and see and hear each other', async () => {
    const c = await conference({ display_name: 'Weekly sync' });
    const alice = await person(c.moderator, 'Alice', { bypassCSP: true });
    // Before joining: the preview, devices, name, and a Join button.
    await alice.page.getByRole('button', { name: 'Join', exact: true }).waitFor();
    await alice.page.locator('video.preview-video').waitFor();
    assert.equal(
      await alice.page.getByLabel('Your name').inputValue(),
      'Alice',
      'name from the link',
    );
    await alice.page.waitForFunction(
      () =>
        ((document.querySelector('video.preview-video') as HTMLVideoElement | null)?.videoWidth ??
          0) > 0,
    );
    await assertAccessible(alice.page, 'pre-join screen');
    await alice.page.getByRole('button', { name: 'Join', exact: true }).click();
    await alice.page.getByRole('group', { name: 'Meeting controls' }).waitFor();

    const bob = await joined(c.guest, 'Bob');
    const carol = await joined(c.guest, 'Carol');
    for (const p of [alice, bob, carol]) {
      await waitForMedia(p.page, { videos: 2, audios: 2 });
      await p.page.waitForFunction(
        () => document.querySelectorAll('figure.tile[data-source="camera"]').length === 3,
      );
    }
    // Remote tiles play the others' cameras.
    await alice.page.waitForFunction(
      () =>
        [...document.querySelectorAll('figure.tile video')].filter(
          (v) => (v as HTMLVideoElement).videoWidth > 0,
        ).length >= 3,
    );
    assert.equal(
      await alice.page.getByRole('heading', { name: 'Weekly sync' }).count(),
      1,
      'display name',
    );
    await assertAccessible(alice.page, 'meeting screen');
    await screenshot(alice.page, 'join-meeting.png');
    for (const p of [alice, bob, carol])
      assert.deepEqual(
        p.errors.filter((e) => /Content Security Policy/.test(e)),
        [],
        'no CSP violation',
      );

    // Chat: Bob writes, Alice and Carol read it.
    await bob.page.getByRole('button', { name: 'Chat' }).click();
    await bob.page.getByRole('textbox', { name: 'Message' }).fill('hello from Bob');
    await bob.page.getByRole('button', { name: 'Send' }).click();
    await alice.page.getByRole('button', { name: /Chat/ }).click();
    await alice.page.getByRole('log', { name: 'Messages' }).getByText('hello from Bob').waitFor();
    await screenshot(alice.page, 'join-meeting-chat.png');
    await carol.page.getByRole('button', { name: /unread/ }).waitFor();

    // Camera off and on: the others see the initials, then the camera again.
    await bob.page.getByRole('button', { name: 'Camera' }).click();
    await alice.page.getByRole('figure', { name: /^Bob, .*camera off/ }).waitFor();
    assert.equal(
      await alice.page.getByRole('figure', { name: /^Bob,/ }).locator('video').count(),
      0,
      'no video for a camera that is off',
    );
    await bob.page.getByRole('button', { name: 'Camera' }).click();
    await alice.page.waitForFunction(() => {
      const video = document.querySelector('figure.tile[aria-label^="Bob"] video');
      return video instanceof HTMLVideoElement && video.videoWidth > 0;
    });

    // Screen share: Carol shares, the others get a tile for it.
    await carol.page.getByRole('button', { name: 'Share screen' }).click();
    await alice.page.getByRole('figure', { name: /^Carol's screen/ }).waitFor();
    await carol.page.getByRole('button', { name: 'Share screen' }).click();
    await alice.page
      .getByRole('figure', { name: /^Carol's screen/ })
      .waitFor({ state: 'detached' });

    // Switching microphones swaps the track that is sent.
    await bob.page.getByRole('button', { name: 'Devices' }).click();
    const dialog = bob.page.getByRole('dialog', { name: 'Devices' });
    const microphones = dialog.getByRole('combobox', { name: 'Microphone' });
    const options = await microphones
      .locator('option')
      .evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value));
    const current = await microphones.inputValue();
    const other = options.find((v) => v !== current);
    if (other) {
      await microphones.selectOption(other);
      await bob.page.waitForFunction(
        (id) =>
          (window as unknown as { __test: { pcs: RTCPeerConnection[] } }).__test.pcs.some((pc) =>
            pc
              .getSenders()
              .some((s) => s.track?.kind === 'audio' && s.track.getSettings().deviceId === id),
          ),
        other,
      );
    }
    await dialog.getByRole('button', { name: 'Done' }).click();

    // The moderator mutes Carol, and Carol's page says so.
    await alice.page.getByRole('button', { name: 'People' }).click();
    await alice.page.getByRole('button', { name: 'Mute Carol' }).click();
    await carol.page.getByText('A moderator muted your microphone.').waitFor();
    assert.equal(
      await carol.page.getByRole('button', { name: 'Microphone' }).getAttribute('aria-pressed'),
      'false',
      "Carol's microphone shows off",
    );
    // Guests have no moderator controls.
    await bob.page.getByRole('button', { name: 'People' }).click();
    assert.equal(
      await bob.page.getByRole('button', { name: /^(Mute|Remove) / }).count(),
      0,
      'guest sees no moderation',
    );
    assert.equal(
      await bob.page.getByRole('button', { name: 'Lock meeting' }).count(),
      0,
      'guest cannot lock',
    );

    // Layout: the moderator picks "Speaker"; everyone's stage follows.
    await alice.page.getByLabel('Layout').selectOption('highlight-1-responsive');
    await bob.page
      .locator('main.stage[data-layout="highlight-1-responsive"] .focus-main figure')
      .waitFor();

    // A reloaded page comes back as the same member, and media flows again.
    const before = await tiles(alice.page).count();
    await carol.page.reload();
    await carol.page.getByRole('group', { name: 'Meeting controls' }).waitFor();
    await waitForMedia(carol.page, { videos: 2, audios: 2 });
    assert.equal(await tiles(alice.page).count(), before, 'no one new: Carol resumed');

    // A dropped connection shows "reconnecting" and resumes by itself.
    // Media starts again on new connections (the old ones closed: their counters are gone).
    const pcsBefore = (await bob.page.evaluate('window.__test.pcs.length')) as number;
    await bob.page.evaluate('window.__test.drop()');
    await bob.page.getByText('Reconnecting…').waitFor();
    await bob.page.getByText('Reconnecting…').waitFor({ state: 'detached', timeout: 30_000 });
    // Carol is muted: Alice's audio, both cameras.
    await waitForMedia(bob.page, { videos: 2, audios: 1, frames: 20 });
    assert.ok(
      ((await bob.page.evaluate('window.__test.pcs.length')) as number) > pcsBefore,
      'Bob receives on a new connection',
    );

    // The moderator removes Bob.
    await alice.page.getByRole('button', { name: 'Remove Bob' }).click();
    await alice.page
      .getByRole('dialog', { name: 'Remove Bob?' })
      .getByRole('button', { name: 'Remove' })
      .click();
    await bob.page.getByRole('heading', { name: 'You were removed from the meeting' }).waitFor();

    // Lock: a newcomer is told, in words.
    await alice.page.getByRole('button', { name: 'Lock meeting' }).click();
    await alice.page.getByText('Locked', { exact: true }).waitFor();
    const dave = await person(c.guest, 'Dave');
    await dave.page.getByRole('button', { name: 'Join', exact: true }).click();
    await dave.page.getByRole('heading', { name: 'The meeting is locked' }).waitFor();
    await alice.page.getByRole('button', { name: 'Unlock meeting' }).click();
    await dave.page.getByRole('button', { name: 'Try again' }).click();
    await dave.page.getByRole('group', { name: 'Meeting controls' }).waitFor();

    for (const p of [alice, carol, dave]) {
      await p.page.getByRole('button', { name: 'Leave' }).click();
      await p.page.getByRole('heading', { name: 'You left the meeting' }).waitFor();
    }
  });
  it('explains each refusal in words', async () => {
    // Too early: a countdown to join_from, and the page joins by itself when it opens.
    const opensAt = new Date(Date.now() + 8_000);
    const early = await conference({ join_from: opensAt.toISOString() });
    const eve = await person(early.guest, 'Eve');
    await eve.page.getByRole('button', { name: 'Join', exact: true }).click();
    await eve.page.getByRole('heading', { name: 'The meeting has not opened yet' }).waitFor();
    await eve.page
      .getByRole('timer')
      .getByText(/Opens in \d+ s/)
      .waitFor();
    assert.equal(
      await eve.page.locator('time').getAttribute('datetime'),
      new Date(Math.floor(opensAt.getTime() / 1000) * 1000).toISOString(),
      'the opening time from the refusal',
    );
    await eve.page.getByRole('group', { name: 'Meeting controls' }).waitFor({ timeout: 30_000 });
    await eve.close();

    // Too late.
    const late = await conference({ join_until: new Date(Date.now() - 60_000).toISOString() });
    const p = await person(late.guest, 'Frank');
    await p.page.getByRole('button', { name: 'Join', exact: true }).click();
    await p.page.getByRole('heading', { name: 'The meeting is closed' }).waitFor();
    assert.equal(await p.page.getByRole('button', { name: 'Try again' }).count(), 0, 'no retry');

    // Invalid token, and a token that was reset.
    await p.page.goto(joinUrl(conclave.url, `vpt_${'0'.repeat(32)}`));
    await p.page.getByRole('button', { name: 'Join', exact: true }).click();
    await p.page.getByRole('heading', { name: 'This link no longer works' }).waitFor();
    const reset = await conference();
    const guestToken = reset.tokens.find((t) => t.name === 'Guest')!;
    await client.video.conferenceTokens.reset(guestToken.id);
    await p.page.goto(joinUrl(conclave.url, guestToken.token));
    await p.page.getByRole('button', { name: 'Join', exact: true }).click();
    await p.page.getByRole('heading', { name: 'This link no longer works' }).waitFor();

    // Full: ten members (in Node, without media) fill a small conference.
    const full = await conference({ size: 'small' });
    const sessions: RealtimeSession[] = [];
    for (let i = 0; i < 10; i++) {
      sessions.push(
        await joinRealtime({
          url: conclave.url,
          token: full.guest,
          name: `n${i}`,
          media: { autoSubscribe: false },
        }),
      );
    }
    await p.page.goto(joinUrl(conclave.url, full.guest));
    await p.page.getByRole('button', { name: 'Join', exact: true }).click();
    await p.page.getByRole('heading', { name: 'The meeting is full' }).waitFor();
    await sessions.pop()!.leave();
    await p.page.getByRole('button', { name: 'Try again' }).click();
    await p.page.getByRole('group', { name: 'Meeting controls' }).waitFor();
    for (const s of sessions) await s.leave();
    await p.close();
  });

  it('joins to watch and listen when the devices are refused, and plays the entry tone', async () => {
    const c = await conference({
      tone_on_entry_and_exit: true,
      dark_background: '#102030',
      light_background: '#FFF8E7',
    });
    const gina = await person(c.guest, 'Gina', { denyDevices: true });
    await gina.page
      .getByRole('alert')
      .getByText(/did not allow the camera and microphone/)
      .waitFor();
    await assertAccessible(gina.page, 'pre-join screen, devices refused');
    await gina.page.getByText('You will join to watch and listen.').waitFor();
    await gina.page.getByRole('button', { name: 'Join', exact: true }).click();
    await gina.page.getByRole('group', { name: 'Meeting controls' }).waitFor();
    assert.equal(
      await gina.page.evaluate(() => getComputedStyle(document.body).backgroundColor),
      'rgb(16, 32, 48)',
      "the conference's dark background",
    );
    await gina.page.emulateMedia({ colorScheme: 'light' });
    await gina.page.waitForFunction(
      () => getComputedStyle(document.body).backgroundColor === 'rgb(255, 248, 231)',
    );
    const tones = () => gina.page.evaluate('window.__test.tones.count') as Promise<number>;
    const before = await tones();
    const hank = await joined(c.guest, 'Hank');
    await gina.page.waitForFunction(
      (n) => (window as unknown as { __test: { tones: { count: number } } }).__test.tones.count > n,
      before,
    );
    // Gina receives Hank's media without sending any.
    await waitForMedia(gina.page, { videos: 1, audios: 1 });
    await hank.page.getByRole('button', { name: 'People' }).click();
    await hank.page
      .getByRole('listitem')
      .filter({ hasText: 'Gina' })
      .getByText(/microphone off/)
      .waitFor();
    await gina.close();
    await hank.close();

    // No tone where the conference has none.
    const quiet = await conference({ tone_on_entry_and_exit: false });
    // Ivy turns her camera off before joining: it closes (its light goes out) and stays closed.
    const ivy = await person(quiet.guest, 'Ivy');
    await ivy.page.locator('video.preview-video').waitFor();
    assert.equal(await ivy.page.evaluate('window.__test.liveCameras()'), 1, 'preview camera open');
    await ivy.page.getByRole('button', { name: 'Camera' }).click();
    await ivy.page.getByText('Camera off').waitFor();
    assert.equal(await ivy.page.evaluate('window.__test.liveCameras()'), 0, 'camera closed');
    await ivy.page.getByRole('button', { name: 'Join', exact: true }).click();
    await ivy.page.getByRole('group', { name: 'Meeting controls' }).waitFor();
    const jack = await joined(quiet.guest, 'Jack');
    await ivy.page.getByText('Jack joined').waitFor();
    await jack.page.getByRole('figure', { name: /^Ivy, .*camera off/ }).waitFor();
    assert.equal(await ivy.page.evaluate('window.__test.liveCameras()'), 0, 'still closed');
    assert.equal(await ivy.page.evaluate('window.__test.tones.count'), 0, 'no tone');
    await ivy.close();
    await jack.close();
  });

  it('fits a phone', async () => {
    const c = await conference({ display_name: 'On the go' });
    const kim = await joined(c.guest, 'Kim', { viewport: { width: 390, height: 844 } });
    const lee = await joined(c.guest, 'Lee');
    await waitForMedia(kim.page, { videos: 1, audios: 1 });
    const overflow = await kim.page.evaluate(
      () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
    );
    assert.equal(overflow, false, 'no horizontal scrolling');
    await screenshot(kim.page, 'join-phone.png');
    // By keyboard: the People button opens the panel, focus moves in, Escape closes it and
    // focus returns to the button.
    await kim.page.getByRole('button', { name: 'People' }).focus();
    await kim.page.keyboard.press('Enter');
    await kim.page.getByRole('complementary', { name: 'People' }).waitFor();
    await kim.page.waitForFunction(() => document.activeElement?.tagName === 'H2');
    await assertAccessible(kim.page, 'phone, people open');
    await kim.page.keyboard.press('Escape');
    await kim.page.getByRole('complementary', { name: 'People' }).waitFor({ state: 'detached' });
    await kim.page.waitForFunction(
      () => document.activeElement?.textContent?.includes('People') === true,
    );
    await kim.close();
    await lee.close();
  });
  it('joins with a room token, whose name the page shows and keeps', async () => {
    const { token } = await client.video.roomTokens.create({
      room_name: 'lobby',
      user_name: 'Mona',
      permissions: ['room.self.audio_mute', 'room.self.audio_unmute'],
    });
    const mona = await person(token, 'Someone else');
    const name = mona.page.getByLabel('Your name');
    await name.waitFor();
    assert.equal(await name.inputValue(), 'Mona', "the token's user_name");
    assert.equal(await name.isDisabled(), true, 'fixed by the invitation');
    await mona.page.getByRole('button', { name: 'Join', exact: true }).click();
    await mona.page.getByRole('group', { name: 'Meeting controls' }).waitFor();
    await mona.page.getByRole('figure', { name: /^Mona \(you\)/ }).waitFor();
    assert.equal(
      await mona.page.getByRole('button', { name: 'Share screen' }).count(),
      0,
      'no screen sharing without room.self.screenshare',
    );
    await mona.close();
  });
});
