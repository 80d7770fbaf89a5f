/**
 * Writes the server's OpenAPI document to packages/server/openapi.json (`npm run openapi`), or
 * with `--check` fails when the committed file differs from what the code generates.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument } from '../src/docs/openapi-document.js';

const target = resolve(dirname(fileURLToPath(import.meta.url)), '../openapi.json');
const text = JSON.stringify(await buildOpenApiDocument(), null, 2) + '\n';

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // A missing file is a difference like any other.
  }
  if (committed !== text) {
    console.error(
      'packages/server/openapi.json is out of date: run `npm run openapi` and commit it.',
    );
    process.exit(1);
  }
  console.log('openapi.json is current');
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
