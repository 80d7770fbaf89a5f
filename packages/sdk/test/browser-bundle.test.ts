import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('the SDK in a browser', () => {
  it('bundles for the browser with no Node built-in and no runtime dependency', async () => {
    const result = await build({
      absWorkingDir: root,
      entryPoints: ['src/index.ts'],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      metafile: true,
      logLevel: 'silent',
    });
    assert.deepEqual(result.errors, []);
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(inputs.length > 5);
    // Only the SDK's own sources: models come from @conclave/schema as types alone.
    for (const input of inputs) assert.match(input, /^src\//, input);
    const code = result.outputFiles[0]!.text;
    assert.doesNotMatch(code, /\brequire\(|from ["']node:|\bBuffer\b/);
  });
});
