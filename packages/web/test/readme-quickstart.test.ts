import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
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

// The README's "Meet in a browser", as a newcomer runs it: its commands, run by bash against a
// real server, print the links; the Guest link opened in two windows shows the person twice.

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const run = promisify(execFile);
const hasJq = spawnSync('jq', ['--version']).status === 0;
const skip =
  !haveChromium && process.env.CI !== 'true'
    ? { skip: `no Chromium at ${CHROMIUM_PATH}` }
    : !hasJq
      ? { skip: 'the README uses jq, which is not installed' }
      : {};

function quickstart(): string {
  const readme = readFileSync(`${repo}/README.md`, 'utf8');
  const start = readme.indexOf('### Meet in a browser');
  assert.ok(start >= 0, 'the README has "Meet in a browser"');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start))?.[1];
  assert.ok(block, 'with a shell block');
  return block;
}

describe("the README's Meet in a browser", { ...skip, timeout: 300_000 }, () => {
  let conclave: Conclave;
  let browser: Browser;
  const people: Person[] = [];

  before(async () => {
    conclave = await startConclave({ media: { workers: 1, addresses: '127.0.0.1' } });
    browser = await launchBrowser();
  });
  after(async () => {
    for (const p of people) await p.close().catch(() => undefined);
    await browser?.close();
    await conclave?.close();
  });

  it('prints the links, and one link opened twice shows two people', async () => {
    const block = quickstart();
    // The exports carry the reader's own credentials: the test's server's here.
    const commands = block
      .split('\n')
      .filter((line) => !line.startsWith('export SIGNALWIRE_'))
      .join('\n');
    assert.match(block, /export SIGNALWIRE_PROJECT_ID=/);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', commands], {
      cwd: repo,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CONCLAVE_URL: conclave.url,
        SIGNALWIRE_PROJECT_ID: conclave.projectId,
        SIGNALWIRE_API_TOKEN: conclave.apiToken,
      },
    });
    const guest = stdout.split('\n').find((line) => /\bGuest\b/.test(line));
    const link = guest && /(http\S+\/join#token=vpt_[0-9a-f]{32})/.exec(guest)?.[1];
    assert.ok(link, `a Guest join link in:\n${stdout}`);
    assert.ok(link.startsWith(`${conclave.url}/join#token=`), 'on the server it ran against');

    for (const _ of [1, 2]) {
      const p = await openPerson(browser, link);
      people.push(p);
      await p.page.getByRole('button', { name: 'Join', exact: true }).click();
      await p.page.getByRole('group', { name: 'Meeting controls' }).waitFor();
    }
    for (const p of people) {
      await waitForMedia(p.page, { videos: 1, audios: 1 });
      await p.page.waitForFunction(
        () => document.querySelectorAll('figure.tile[data-source="camera"] video').length === 2,
      );
      await p.page.getByRole('heading', { name: 'Standup' }).waitFor();
    }
  });
});
