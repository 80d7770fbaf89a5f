import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFERENCE_TOKEN_TEMPLATES, VIDEO_LAYOUTS } from '@conclave/schema';
import {
  formatBytes,
  formatDuration,
  fromLocalInput,
  toLocalInput,
} from '../src/console/format.js';
import { parseRoute } from '../src/console/router.js';
import {
  GUEST_PERMISSIONS,
  LAYOUT_VALUES,
  MODERATOR_PERMISSIONS,
} from '../src/console/vocabulary.js';

// The console's logic that needs no browser: routes, formats, the API's vocabularies.

const ID = '7f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';

describe('console routes', () => {
  it('reads the screen from the fragment', () => {
    assert.deepEqual(parseRoute(''), { screen: 'conferences' });
    assert.deepEqual(parseRoute('#/conferences/new'), { screen: 'conference-new' });
    assert.deepEqual(parseRoute(`#/conferences/${ID}`), { screen: 'conference', id: ID });
    assert.deepEqual(parseRoute(`#/rooms/${ID}`), { screen: 'room', id: ID });
    assert.deepEqual(parseRoute('#/live'), { screen: 'live' });
    assert.deepEqual(parseRoute(`#/sessions/${ID}`), { screen: 'session', id: ID });
    assert.deepEqual(parseRoute(`#/projects/${ID}`), { screen: 'project', id: ID });
    for (const bad of [
      '#/conferences/x',
      '#/nope',
      `#/live/${ID}`,
      `#/rooms/${ID}/extra`,
      '#/sessions/<script>',
    ]) {
      assert.deepEqual(parseRoute(bad), { screen: 'not-found' }, bad);
    }
  });
});

describe('console formats', () => {
  it('durations and sizes', () => {
    assert.match(formatDuration(3725), /^1 h 2 min 5 s$/);
    assert.equal(formatDuration(0), '0 s');
    assert.equal(formatDuration(null), '—');
    assert.match(formatBytes(1_500_000), /^1[.,]5 MB$/);
    assert.equal(formatBytes(999), '999 B');
  });

  it('local date-time inputs round-trip through UTC', () => {
    const iso = '2031-05-02T10:00:00Z';
    assert.equal(fromLocalInput(toLocalInput(iso)), iso);
    assert.equal(fromLocalInput(''), null);
    assert.equal(toLocalInput(null), '');
  });
});

describe("the API's vocabularies", () => {
  it('layouts and the Guest and Moderator permission sets are the API’s', () => {
    assert.deepEqual([...LAYOUT_VALUES].sort(), [...VIDEO_LAYOUTS].sort());
    const [moderator, guest] = CONFERENCE_TOKEN_TEMPLATES;
    assert.deepEqual([...GUEST_PERMISSIONS].sort(), [...guest.scopes].sort());
    assert.deepEqual([...MODERATOR_PERMISSIONS].sort(), [...moderator.scopes].sort());
  });
});
