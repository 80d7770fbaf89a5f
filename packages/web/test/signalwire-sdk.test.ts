import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AdminClient, RestClient, joinUrl } from '@conclave/sdk';
import type { Browser } from 'playwright-core';
import { startConclave, type Conclave } from '@conclave/testkit';
import {
  CHROMIUM_PATH,
  haveChromium,
  launchBrowser,
  openPerson,
  waitForMedia,
  type Person,
} from './helpers/browser.js';
import { screenshot } from './helpers/checks.js';
import {
  SDK_VERSION,
  mediaRises,
  openSdkPage,
  until,
  type SdkEvent,
  type SdkEventName,
  type SdkPage,
} from './helpers/signalwire-page.js';

// SignalWire's own browser SDK, @signalwire/js 3.30.0 (its published UMD bundle, unchanged),
// against the real server: pages that pass only a token from POST /api/video/room_tokens join
// Conclave rooms, see and hear each other, and get the SDK's events for what the room API does.
// Media is judged by the pages' getStats() counters rising, never by time.
//
// Where a test relies on SDK behaviour, the SDK source (npm tarballs of @signalwire/js 3.30.0,
// @signalwire/core 4.3.2 and @signalwire/webrtc 3.15.0, which ship src/) is named.

const skip =
  !haveChromium && process.env.CI !== 'true'
    ? { skip: `no Chromium at ${CHROMIUM_PATH} (install Debian's chromium package)` }
    : {};

const SELF = [
  'room.self.audio_mute',
  'room.self.audio_unmute',
  'room.self.video_mute',
  'room.self.video_unmute',
] as const;
const MODERATOR = [
  ...SELF,
  'room.member.audio_mute',
  'room.member.audio_unmute',
  'room.member.remove',
  'room.set_layout',
  'room.list_available_layouts',
] as const;

describe(
  `SignalWire's browser SDK (@signalwire/js ${SDK_VERSION})`,
  { ...skip, timeout: 600_000 },
  () => {
    let conclave: Conclave;
    let client: RestClient;
    let browser: Browser;
    const open: { close(): Promise<void> }[] = [];

    before(async () => {
      assert.ok(haveChromium, `Chromium is required in CI: none at ${CHROMIUM_PATH}`);
      assert.equal(SDK_VERSION, '3.30.0', 'the pinned SDK');
      conclave = await startConclave({ media: { workers: 1, addresses: '127.0.0.1' } });
      client = new RestClient({
        project: conclave.projectId,
        token: conclave.apiToken,
        host: conclave.url,
      });
      browser = await launchBrowser();
    });

    after(async () => {
      for (const p of open) await p.close().catch(() => undefined);
      await browser?.close();
      await conclave?.close();
    });

    const room = () => `sdk-${randomUUID().slice(0, 8)}`;

    async function token(
      room_name: string,
      user_name: string,
      permissions: readonly string[] = SELF,
      extra: Record<string, unknown> = {},
      rest: RestClient = client,
    ): Promise<string> {
      const { token } = await rest.video.roomTokens.create({
        room_name,
        user_name,
        permissions: [...permissions],
        ...extra,
      } as Parameters<typeof client.video.roomTokens.create>[0]);
      return token;
    }

    /** A page that has joined: `join()` resolved. */
    async function joined(
      room_name: string,
      name: string,
      permissions: readonly string[] = SELF,
    ): Promise<SdkPage> {
      const p = await openSdkPage(
        browser,
        conclave.url,
        await token(room_name, name, permissions),
        name,
      );
      open.push(p);
      const outcome = await p.joined();
      assert.deepEqual(outcome, { ok: true }, `${name}: join() resolves\n${await p.trace()}`);
      await p.connected();
      return p;
    }

    /** Waits for an event on a page that matches `test`. */
    function event(
      p: SdkPage,
      name: SdkEventName,
      test: (e: SdkEvent) => boolean,
      what: string,
      ms = 20_000,
    ): Promise<SdkEvent> {
      return until(
        async () => (await p.events(name)).find(test),
        async () =>
          `${p.name}: expected ${name} (${what}); got ${JSON.stringify(
            (await p.events()).map((e) => e.name),
          )}\nlast frames:\n${await p.trace(15)}`,
        ms,
      );
    }

    /** The REST API's members of a session, by name. */
    async function members(roomSessionId: string) {
      const page = await client.video.roomSessions.listMembers(roomSessionId, { page_size: 100 });
      return page.data;
    }

    it('two pages join one room by token alone, and each sees and hears the other', async () => {
      const r = room();
      const ann = await joined(r, 'Ann');
      const ben = await joined(r, 'Ben');
      const annIds = await ann.ids();
      const benIds = await ben.ids();
      assert.equal(benIds.roomSessionId, annIds.roomSessionId, 'one room session');
      assert.notEqual(benIds.memberId, annIds.memberId, 'two members');

      // The first in hears of the second by member.joined; the second finds the first in the
      // room it subscribed to (room_session.members: [js] video/RoomSession.ts resolves join() on
      // room.subscribed, [webrtc] workers/roomSubscribedWorker.ts).
      await event(ann, 'member.joined', (e) => e.params.member?.id === benIds.memberId, 'Ben');
      const subscribed = (await ben.events('room.subscribed'))[0];
      assert.ok(
        subscribed?.params.room_session?.members?.some(
          (m: { id: string }) => m.id === annIds.memberId,
        ),
        `Ben's room.subscribed lists Ann: ${JSON.stringify(subscribed?.params.room_session?.members)}`,
      );

      for (const p of [ann, ben]) await mediaRises(p);
      // The SDK built its own <video> in rootElement ([js] buildVideoElement.ts) and it plays.
      for (const p of [ann, ben]) {
        await until(
          () =>
            p.page.evaluate(() => {
              const v = document.querySelector('#root video') as HTMLVideoElement | null;
              return v && v.videoWidth > 0 && !v.paused ? true : undefined;
            }),
          () => `${p.name}: the SDK's <video> in rootElement plays`,
        );
      }
      // What an SDK page shows: the other member, with its own camera where its layer says.
      await screenshot(ann.page, 'signalwire-sdk-page.png');
      await ann.close();
      await ben.close();
    });

    it('with three in a room, each hears both others (a mix without their own voice)', async () => {
      const r = room();
      const people = [await joined(r, 'Cat'), await joined(r, 'Dov'), await joined(r, 'Eli')];
      // All three at once: audio packets and energy (the fake microphone's beep) on every page.
      for (const p of people) await mediaRises(p, { energy: true });
      // Each pair alone: with the third member muted, the two others' pages still get energy, so
      // each page's audio carries each of the others.
      for (const muted of people) {
        const listeners = people.filter((p) => p !== muted);
        const r1 = await muted.call('audioMute');
        assert.deepEqual(r1, { ok: true, value: null }, `${muted.name}: audioMute() resolves`);
        await until(
          async () =>
            (await muted.page.evaluate('window.__test.micState()')) === 'ended' ? true : undefined,
          async () =>
            `${muted.name}: the SDK stops its microphone once muted ([js] Client.ts, member.updated.audio_muted)\n${await muted.trace()}`,
        );
        for (const p of listeners) await mediaRises(p, { video: false, energy: true });
        const r2 = await muted.call('audioUnmute');
        assert.deepEqual(r2, { ok: true, value: null }, `${muted.name}: audioUnmute() resolves`);
        await until(
          async () =>
            (await muted.page.evaluate('window.__test.micState()')) === 'live' ? true : undefined,
          async () =>
            `${muted.name}: the microphone is back after audioUnmute()\n${await muted.trace()}`,
        );
      }
      for (const p of people) await p.close();
    });

    it('mute, remove, layout and leave work through the SDK and produce its events', async (t) => {
      const r = room();
      const mod = await joined(r, 'Mo', MODERATOR);
      const guest = await joined(r, 'Gus');
      const kicked = await joined(r, 'Kit');
      const [modId, guestId, kickedId] = await Promise.all(
        [mod, guest, kicked].map(async (p) => (await p.ids()).memberId),
      );
      await event(mod, 'member.joined', (e) => e.params.member?.id === kickedId, 'Kit joined');

      // Self mute: the server confirms with member.updated (updated: ['audio_muted']), which
      // everyone gets ([core] memberPosition/workers.ts, memberUpdatedWorker).
      assert.deepEqual(
        await mod.call('audioMute'),
        { ok: true, value: null },
        'audioMute() resolves',
      );
      for (const p of [mod, guest]) {
        await event(
          p,
          'member.updated',
          (e) =>
            e.params.member?.id === modId &&
            e.params.member.audio_muted === true &&
            e.params.member.updated?.includes('audio_muted'),
          "Mo's audio_muted: true",
        );
      }
      await event(mod, 'member.updated.audio_muted', (e) => e.params.member?.id === modId, 'Mo');

      // A moderator mutes another member: that member's page stops its microphone.
      assert.deepEqual(
        await mod.call('audioMute', { memberId: guestId }),
        { ok: true, value: null },
        'audioMute({memberId}) with room.member.audio_mute resolves',
      );
      await event(
        guest,
        'member.updated',
        (e) => e.params.member?.id === guestId && e.params.member.audio_muted === true,
        "Gus's audio_muted: true",
      );
      await until(
        async () =>
          (await guest.page.evaluate('window.__test.micState()')) === 'ended' ? true : undefined,
        async () =>
          `Gus: the SDK stops the microphone of a member muted by a moderator\n${await guest.trace()}`,
      );

      // Without room.member.audio_mute the promise rejects with the server's {code, message}
      // ([core] utils/parseRPCResponse.ts: a non-2xx result.code, or a JSON-RPC error).
      const refused = await guest.call('audioMute', { memberId: kickedId });
      t.diagnostic(`audioMute({memberId}) without the scope: ${JSON.stringify(refused)}`);
      assert.equal(
        refused.ok,
        false,
        `a guest cannot mute another member: ${JSON.stringify(refused)}`,
      );
      if (!refused.ok) {
        assert.ok(
          refused.error.code !== undefined && !/^2\d\d$/.test(String(refused.error.code)),
          `rejected with a non-2xx code: ${JSON.stringify(refused.error)}`,
        );
        assert.equal(typeof refused.error.message, 'string', 'and a message');
      }

      // Layout: the SDK sends video.set_layout {name} verbatim ([core] rooms/methods.ts, no
      // client-side check); the names are the Video API's layouts (there is no plain
      // 'highlight-1'), as getLayouts() lists them. The others get layout.changed.
      const layouts = await mod.call('getLayouts');
      assert.ok(
        layouts.ok &&
          (layouts.value as { layouts: string[] }).layouts.includes('highlight-1-responsive'),
        `getLayouts() lists highlight-1-responsive: ${JSON.stringify(layouts)}`,
      );
      assert.deepEqual(
        await mod.call('setLayout', { name: 'highlight-1-responsive' }),
        { ok: true, value: null },
        'setLayout({name}) resolves',
      );
      for (const p of [guest, kicked]) {
        await event(
          p,
          'layout.changed',
          (e) => e.params.layout?.name === 'highlight-1-responsive',
          'highlight-1-responsive',
        );
      }

      // Remove: the removed page hangs up (the server's verto.bye, [webrtc]
      // workers/vertoEventWorker.ts → onVertoBye) and the SDK emits room.left
      // ([js] video/RoomSession.ts, on 'destroy'); the others get member.left.
      assert.deepEqual(
        await mod.call('removeMember', { memberId: kickedId }),
        { ok: true, value: null },
        'removeMember({memberId}) resolves',
      );
      await event(kicked, 'room.left', () => true, 'Kit was removed');
      for (const p of [mod, guest]) {
        await event(p, 'member.left', (e) => e.params.member?.id === kickedId, 'Kit left');
      }

      // Leave: verto.bye from the page; room.left there, member.left for the others.
      assert.deepEqual(await guest.call('leave'), { ok: true, value: null }, 'leave() resolves');
      await event(guest, 'room.left', () => true, 'Gus left');
      await event(mod, 'member.left', (e) => e.params.member?.id === guestId, 'Gus left');
      // The REST API agrees: both have left the session, Mo has not.
      const { roomSessionId } = await mod.ids();
      await until(
        async () => {
          const now = await members(roomSessionId);
          const left = (id: string | undefined) => now.find((m) => m.id === id)?.leave_time != null;
          return left(kickedId) && left(guestId) && !left(modId) ? true : undefined;
        },
        async () =>
          `REST: Kit and Gus left, Mo did not: ${JSON.stringify(await members(roomSessionId))}`,
      );
      for (const p of [mod, guest, kicked]) await p.close();
    });

    it('a dropped socket reconnects into the same member, and media keeps flowing', async () => {
      const r = room();
      const fay = await joined(r, 'Fay');
      const gil = await joined(r, 'Gil');
      const { memberId, roomSessionId } = await fay.ids();
      for (const p of [fay, gil]) await mediaRises(p);

      await fay.page.evaluate('window.__test.drop()');
      // The SDK reconnects by itself after 1–4 s ([core] BaseSession.ts, _onSocketClose →
      // reconnectDelay) and sends signalwire.connect again with the protocol it was given
      // ([core] BaseJWTSession.ts, authenticate).
      const reconnect = await until(
        async () =>
          (await fay.frames()).find(
            (f) => f.socket === 1 && f.dir === 'out' && f.method === 'signalwire.connect',
          ),
        async () => `Fay: a new socket sends signalwire.connect\n${await fay.trace()}`,
      );
      assert.match(reconnect.text, /"protocol":"[^"]+"/, 'the reconnect carries the protocol');
      const answer = await until(
        async () =>
          (await fay.frames()).find(
            (f) => f.socket === 1 && f.dir === 'in' && f.id === reconnect.id,
          ),
        async () => `Fay: the reconnect's signalwire.connect is answered\n${await fay.trace()}`,
      );
      assert.equal(answer.error, undefined, `the reconnect is accepted: ${answer.text}`);

      // Media keeps flowing both ways, and the room still has one Fay: the same member.
      for (const p of [fay, gil]) await mediaRises(p);
      const now = await members(roomSessionId);
      const fays = now.filter((m) => m.name === 'Fay');
      assert.equal(fays.length, 1, `one member for Fay's page: ${JSON.stringify(now)}`);
      assert.equal(fays[0]!.id, memberId, "the REST API's member is the SDK's member");
      assert.equal(fays[0]!.leave_time, null, 'Fay has not left');
      assert.deepEqual(
        (await gil.events('member.left')).map((e) => e.params.member?.name),
        [],
        'Gil saw no one leave',
      );
      const gilId = (await gil.ids()).memberId;
      const arrivals = (await gil.events('member.joined')).filter(
        (e) => e.params.member?.id !== gilId,
      );
      assert.deepEqual(
        arrivals.map((e) => e.params.member),
        [],
        'Gil saw no one (new or again) join',
      );
      assert.deepEqual(await fay.events('room.left'), [], 'Fay never left');
      await fay.close();
      await gil.close();
    });

    it('refuses a tampered token, a token whose key was retired, and a token too early', async (t) => {
      const r = room();
      // Flip one character in the middle of the signature (its last character carries padding
      // bits, which base64url decoders may ignore).
      const good = await token(r, 'Hal');
      const [h, p, s] = good.split('.') as [string, string, string];
      const i = Math.floor(s.length / 2);
      const tampered = `${h}.${p}.${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;

      // A token of another project whose signing key was rotated, and the retired key's grace
      // period is over (the store prunes it as the next rotation after the grace period would).
      const admin = new AdminClient({ url: conclave.url, adminToken: conclave.adminToken });
      const project = await admin.projects.create({ name: `p-${randomUUID().slice(0, 8)}` });
      const apiToken = await admin.apiTokens.create(project.id, { name: 'sdk test' });
      const other = new RestClient({
        project: project.id,
        token: apiToken.token,
        host: conclave.url,
      });
      const old = await token(r, 'Ida', SELF, {}, other);
      await admin.rotateRoomTokenSecret(project.id);
      await conclave.store.rotateRoomTokenKey(
        project.id,
        { kid: randomUUID(), secret: randomBytes(64).toString('base64url'), createdAt: Date.now() },
        Date.now() + 1000,
      );

      const early = await token(r, 'Jo', SELF, {
        join_from: new Date(Date.now() + 3_600_000).toISOString(),
      });

      const outcomes: Record<string, unknown> = {};
      for (const [label, t] of [
        ['tampered', tampered],
        ['retired key', old],
        ['too early', early],
      ] as const) {
        const page = await openSdkPage(browser, conclave.url, t, label);
        open.push(page);
        const outcome = await page.joined();
        outcomes[label] = outcome;
        assert.equal(
          outcome.ok,
          false,
          `${label}: join() rejects: ${JSON.stringify(outcome)}\n${await page.trace()}`,
        );
        assert.ok(!('hung' in outcome), `${label}: join() settles\n${await page.trace()}`);
        if (!outcome.ok && outcome.error) {
          assert.equal(typeof outcome.error.message, 'string', `${label}: with a message`);
          assert.notEqual(outcome.error.code, undefined, `${label}: with a code`);
        }
        if (label !== 'too early') {
          // A JSON-RPC error to signalwire.connect is what the SDK turns into AuthError(code,
          // message) ([core] BaseSession.ts _onSocketOpen → authError; BaseComponent.ts
          // _waitUntilSessionAuthorized; CustomErrors.ts).
          assert.ok(!outcome.ok && outcome.error, `${label}: an error`);
          if (!outcome.ok && outcome.error) {
            assert.equal(
              outcome.error.name,
              'AuthError',
              `${label}: AuthError: ${JSON.stringify(outcome.error)}`,
            );
            assert.equal(outcome.error.isError, true, `${label}: an Error`);
          }
        }
        await page.close();
      }
      // No one was admitted.
      const sessions = await client.video.roomSessions.list({ room_name: r });
      for (const x of sessions.data) {
        assert.deepEqual(await members(x.id), [], `no members in ${r}`);
      }
      t.diagnostic(`join() rejections: ${JSON.stringify(outcomes)}`);
    });

    it('a join-page member and an SDK member see each other', async () => {
      const r = room();
      const sdk = await joined(r, 'Kay');
      const person: Person = await openPerson(
        browser,
        joinUrl(conclave.url, await token(r, 'Lou'), { name: 'Lou' }),
      );
      open.push(person);
      await person.page.getByRole('button', { name: 'Join', exact: true }).click();
      await person.page.getByRole('group', { name: 'Meeting controls', exact: true }).waitFor();
      await waitForMedia(person.page, { videos: 1, audios: 1 });
      await mediaRises(sdk);
      const louId = await until(
        async () =>
          (await sdk.events('member.joined')).find((e) => e.params.member?.name === 'Lou')?.params
            .member.id as string | undefined,
        async () => `Kay: member.joined for Lou\n${await sdk.trace()}`,
      );
      assert.equal(typeof louId, 'string', 'Lou has a member id');
      await sdk.close();
      await person.close();
    });
  },
);
