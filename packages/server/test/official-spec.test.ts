import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertOfficial,
  officialSpecAvailable,
  OFFICIAL_SPEC_PATH,
} from './helpers/official-spec.js';

describe('the official-schema check itself', () => {
  it('is available (required in CI)', (t) => {
    if (!officialSpecAvailable()) {
      assert.notEqual(process.env.CI, 'true', `${OFFICIAL_SPEC_PATH} must exist in CI`);
      t.skip('official spec not present');
      return;
    }
  });

  it('rejects bodies that break the official schema', (t) => {
    if (!officialSpecAvailable()) return t.skip('official spec not present');
    assert.throws(
      () => assertOfficial('GET', '/api/video/conferences', 200, { data: [] }),
      /links/,
    );
    assert.throws(
      () =>
        assertOfficial('GET', '/api/video/conferences/{id}', 404, { error: 'Not Found', extra: 1 }),
      /does not match/,
    );
    assert.throws(
      () => assertOfficial('GET', '/api/video/conferences/{id}', 404, { error: 'Missing' }),
      /does not match/,
    );
    assert.throws(
      () => assertOfficial('DELETE', '/api/video/conferences/{id}', 422, {}),
      /does not declare/,
    );
    assertOfficial('GET', '/api/video/conference_tokens/{id}', 200, {
      id: '2c1b0a6e-7d0f-4a43-9d8b-4b7c8d1f3e21',
      name: 'Guest',
      token: 'vpt_62c65414de4d067d07415a7ced8183be',
      scopes: ['room.self.audio_mute'],
    });
  });
});
