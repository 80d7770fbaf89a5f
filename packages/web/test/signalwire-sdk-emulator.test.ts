import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RestClient } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';
import type { Browser } from 'playwright-core';
import { CHROMIUM_PATH, haveChromium, launchBrowser } from './helpers/browser.js';
import {
  SDK_VERSION,
  mediaRises,
  openSdkPage,
  until,
  type SdkPage,
} from './helpers/signalwire-page.js';

// SignalWire's own browser SDK (@signalwire/js, its published bundle) against Conclave in
// emulator mode: a simulated member's synthetic media reaches it through the mixed-room call, and
// it lives through the emulator's connection faults — its socket cut by the server (close code
// 1006, no close frame) and its frames held back. (No official SignalWire package calls the Video
// REST API, so REST retries on 429/503 are shown with @conclave/sdk: docs/emulator.md.)

const skip =
  !haveChromium && process.env.CI !== 'true'
    ? { skip: `no Chromium at ${CHROMIUM_PATH} (install Debian's chromium package)` }
    : {};

describe(
  `SignalWire's browser SDK (@signalwire/js ${SDK_VERSION}) and emulator mode`,
  { ...skip, timeout: 300_000 },
  () => {
    let conclave: Conclave;
    let browser: Browser;
    let page: SdkPage | undefined;

    before(async () => {
      assert.ok(haveChromium, `Chromium is required in CI: none at ${CHROMIUM_PATH}`);
      conclave = await startConclave({
        emulator: true,
        media: { workers: 1, addresses: '127.0.0.1' },
      });
      browser = await launchBrowser();
    });

    after(async () => {
      await page?.close().catch(() => undefined);
      await browser?.close();
      await conclave?.close();
    });

    async function admin(path: string, body?: unknown): Promise<Response> {
      return fetch(`${conclave.url}/admin/v1${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${conclave.adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    }

    it('hears and sees a simulated member; survives the server cutting its socket and holding back its frames', async () => {
      const client = new RestClient({
        project: conclave.projectId,
        token: conclave.apiToken,
        host: conclave.url,
      });
      const room = `sdk-emu-${Math.random().toString(36).slice(2, 10)}`;
      const project = conclave.projectId;
      const sim = await admin(`/emulator/projects/${project}/simulated_members`, {
        room_name: room,
        count: 1,
        name: 'Bot',
        media: true,
      });
      assert.equal(sim.status, 200, await sim.clone().text());
      const bot = ((await sim.json()) as { joined: { id: string }[] }).joined[0]!;
      const { token } = await client.video.roomTokens.create({
        room_name: room,
        user_name: 'Fay',
        permissions: ['room.self.audio_mute', 'room.self.audio_unmute'],
      } as Parameters<typeof client.video.roomTokens.create>[0]);
      page = await openSdkPage(browser, conclave.url, token, 'Fay');
      assert.deepEqual(await page.joined(), { ok: true }, await page.trace());
      await page.connected();
      const { memberId, roomSessionId } = await page.ids();

      // The call shows the bot's test pattern and carries its tone (ffmpeg's sine, 1/8 of full
      // scale: an audio level near 0.125).
      const heard = await mediaRises(page, { frames: 15, packets: 50, energy: true });
      const level = Math.max(...heard.filter((s) => s.kind === 'audio').map((s) => s.level));
      assert.ok(level > 0.05, `the tone is heard: ${JSON.stringify(heard)}`);

      // The server cuts Fay's socket as a failing network would: the SDK connects again by itself
      // and is accepted as the same member; the media goes on.
      const cut = await admin(
        `/emulator/projects/${project}/room_sessions/${roomSessionId}/members/${memberId}/drop`,
      );
      assert.equal(cut.status, 204);
      const reconnect = await until(
        async () =>
          (await page!.frames()).find(
            (f) => f.socket === 1 && f.dir === 'out' && f.method === 'signalwire.connect',
          ),
        async () => `a new socket sends signalwire.connect\n${await page!.trace()}`,
      );
      const answer = await until(
        async () =>
          (await page!.frames()).find(
            (f) => f.socket === 1 && f.dir === 'in' && f.id === reconnect.id,
          ),
        async () => `the reconnect is answered\n${await page!.trace()}`,
      );
      assert.equal(answer.error, undefined, `the reconnect is accepted: ${answer.text}`);
      await mediaRises(page);
      const members = await client.video.roomSessions.listMembers(roomSessionId);
      const fays = (
        members.data as { id: string; name: string; leave_time: string | null }[]
      ).filter((m) => m.name === 'Fay');
      assert.deepEqual(
        fays.map((m) => [m.id, m.leave_time]),
        [[memberId, null]],
        'one Fay, the same member, still in',
      );

      // Its frames are held back 1.5 s: the bot's mute reaches the SDK late, but it does.
      const LATENCY = 1500;
      const fault = await admin('/emulator/faults', {
        target: 'frames',
        project_id: project,
        path: `/room_sessions/${roomSessionId}/members/${memberId}`,
        latency_ms: LATENCY,
        count: 1,
      });
      assert.equal(fault.status, 201, await fault.clone().text());
      const muted = (e: { params: { member?: { id?: string; audio_muted?: boolean } } }) =>
        e.params.member?.id === bot.id && e.params.member.audio_muted === true;
      const asked = Date.now();
      const acted = await admin(
        `/emulator/projects/${project}/simulated_members/${bot.id}/actions`,
        {
          action: 'mute',
        },
      );
      assert.equal(acted.status, 200);
      await until(
        async () => ((await page!.events('member.updated')).some(muted) ? true : undefined),
        async () => `the bot's mute reaches the SDK\n${await page!.trace()}`,
      );
      assert.ok(Date.now() - asked >= LATENCY, 'held back');
    });
  },
);
