/** What the page tests check on every screen: axe-core, and screenshots for the docs. */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';

const repo = fileURLToPath(new URL('../../../..', import.meta.url));
/** `CONCLAVE_SCREENSHOTS=docs/images` writes the docs' pictures; else a temp directory. */
const shots = process.env.CONCLAVE_SCREENSHOTS
  ? join(repo, process.env.CONCLAVE_SCREENSHOTS)
  : join(tmpdir(), 'conclave-web-screenshots');

/** Fails on any serious or critical axe-core violation (WCAG 2.1 A/AA, best practices). */
export async function assertAccessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`),
    [],
    `${label}: axe found serious or critical violations`,
  );
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, name) });
}
