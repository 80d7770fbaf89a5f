import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startConclave, type Conclave } from '@conclave/testkit';
import { CHROMIUM_PATH, haveChromium, inbound, INIT, launchBrowser } from './helpers/browser.js';
import { SDK_BUNDLE_PATH } from './helpers/signalwire-page.js';

// The README's "Coming from SignalWire", as a SignalWire customer runs it: its shell block asks
// Conclave for a room token (run by bash against a real server), and its page — verbatim, with the
// published bundle of @signalwire/js 3 where the page loads it from unpkg — joins with that token
// alone. Two such pages see each other.

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const run = promisify(execFile);
const hasJq = spawnSync('jq', ['--version']).status === 0;
const skip =
  !haveChromium && process.env.CI !== 'true'
    ? { skip: `no Chromium at ${CHROMIUM_PATH}` }
    : !hasJq
      ? { skip: 'the README uses jq, which is not installed' }
      : {};

function readmeBlocks(): { sh: string; html: string } {
  const readme = readFileSync(`${repo}/README.md`, 'utf8');
  const start = readme.indexOf('## Coming from SignalWire');
  assert.ok(start >= 0, 'the README has "Coming from SignalWire"');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const sh = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  const html = /```html\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(sh && html, 'with a shell block and a page');
  return { sh, html };
}

describe("the README's Coming from SignalWire", { ...skip, timeout: 300_000 }, () => {
  let conclave: Conclave;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    conclave = await startConclave({ media: { workers: 1, addresses: '127.0.0.1' } });
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await conclave?.close();
  });

  async function openPage(html: string, token: string): Promise<{ page: Page; logs: string[] }> {
    // A page Playwright fulfils counts as public: the permission lets it reach 127.0.0.1 (see
    // helpers/signalwire-page.ts).
    const context = await browser.newContext({ permissions: ['local-network-access'] });
    contexts.push(context);
    await context.addInitScript(INIT);
    await context.route('https://unpkg.com/@signalwire/js@3', (route) =>
      route.fulfill({ contentType: 'text/javascript', body: readFileSync(SDK_BUNDLE_PATH) }),
    );
    await context.route(`${conclave.url}/coming-from-signalwire.html`, (route) =>
      route.fulfill({ contentType: 'text/html', body: html }),
    );
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const logs: string[] = [];
    page.on('console', (message) => logs.push(message.text()));
    page.on('pageerror', (error) => logs.push(String(error)));
    await page.goto(`${conclave.url}/coming-from-signalwire.html#token=${token}`);
    return { page, logs };
  }

  it('mints a token with the shell block, and the page joins with it alone', async () => {
    const { sh, html } = readmeBlocks();
    assert.match(sh, /export SIGNALWIRE_PROJECT_ID=/);
    // The exports carry the reader's own space and credentials: the test's server's here.
    const commands = sh
      .split('\n')
      .filter((line) => !line.startsWith('export SIGNALWIRE_'))
      .join('\n');
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SIGNALWIRE_SPACE_URL: conclave.url,
      SIGNALWIRE_PROJECT_ID: conclave.projectId,
      SIGNALWIRE_API_TOKEN: conclave.apiToken,
    };
    const tokens: string[] = [];
    for (const _ of [1, 2]) {
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', commands], {
        cwd: repo,
        env,
      });
      const token = stdout.trim();
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, `a JWT from the shell block: ${stdout}`);
      tokens.push(token);
    }
    const pages = [];
    for (const token of tokens) pages.push(await openPage(html, token));
    for (const { page, logs } of pages) {
      await page
        .waitForFunction(() => document.querySelector('#root video') !== null)
        .catch((error: unknown) => {
          throw new Error(`no video in #root (logs: ${logs.join(' | ')})`, { cause: error });
        });
      const deadline = Date.now() + 60_000;
      for (;;) {
        const joined = logs.includes('joined');
        const streams = await inbound(page);
        const video = streams.some((s) => s.kind === 'video' && s.frames >= 10);
        if (joined && video) break;
        assert.ok(
          Date.now() < deadline,
          `the page joined and shows the other's video (${JSON.stringify(streams)}; logs: ${logs.join(' | ')})`,
        );
        await new Promise((r) => setTimeout(r, 300));
      }
      // Each page was told of the other ("Ada joined": the token names both Ada).
      assert.ok(
        logs.some((line) => line === 'Ada joined'),
        `member.joined reached the page: ${logs.join(' | ')}`,
      );
    }
  });
});
