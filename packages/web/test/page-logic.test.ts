import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VIDEO_LAYOUTS } from '@conclave/schema';
import { LAYOUTS, planLayout, type Tile } from '../src/join/layouts.js';
import { formatFragment, parseFragment, parsePasted, tokenHints } from '../src/join/link.js';
import { explainClose, formatCountdown } from '../src/join/refusals.js';
import { contrast, cssVariables, paletteFor } from '../src/ui/theme.js';

// The join page's logic that needs no browser: links, layouts, colours, refusals in words.

const tiles = (n: number, screens: number[] = []): Tile[] =>
  Array.from({ length: n }, (_, i) => [
    { key: `m${i}:camera`, memberId: `m${i}`, screen: false },
    ...(screens.includes(i) ? [{ key: `m${i}:screen`, memberId: `m${i}`, screen: true }] : []),
  ]).flat();

const plan = (layout: string, n: number, extra: Partial<Parameters<typeof planLayout>[0]> = {}) =>
  planLayout({
    layout,
    tiles: tiles(n),
    speaker: undefined,
    self: 'm0',
    portrait: false,
    ...extra,
  });

describe('join links', () => {
  it('reads the token and name from the fragment', () => {
    assert.deepEqual(parseFragment('#token=vpt_abc&name=Ada%20L'), {
      token: 'vpt_abc',
      name: 'Ada L',
    });
    assert.deepEqual(parseFragment('token=x'), { token: 'x' });
    assert.equal(parseFragment('#name=Ada'), undefined, 'no token');
    assert.equal(parseFragment(''), undefined);
  });

  it('round-trips a fragment, and accepts a pasted link or bare token', () => {
    const token = `vpt_${'a'.repeat(32)}`;
    assert.deepEqual(parseFragment(formatFragment({ token, name: 'Zoë & co' })), {
      token,
      name: 'Zoë & co',
    });
    assert.deepEqual(parsePasted(` https://v.example.com/join#token=${token} `), { token });
    assert.deepEqual(parsePasted(token), { token });
    assert.deepEqual(parsePasted('aaa.bbb.ccc'), { token: 'aaa.bbb.ccc' }, 'a JWT');
    assert.equal(parsePasted('hello there'), undefined);
    assert.equal(parsePasted('vpt_short'), undefined);
  });

  it("reads a room token's name and muted joins, and ignores what is not a JWT", () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${b64({ alg: 'HS512' })}.${b64({ u: 'Grace', jam: true, jvm: false })}.sig`;
    assert.deepEqual(tokenHints(jwt), { name: 'Grace', audioMuted: true });
    assert.deepEqual(tokenHints(`vpt_${'0'.repeat(32)}`), {});
    assert.deepEqual(tokenHints('a.!!!.c'), {});
  });
});

describe('layouts', () => {
  it('offers exactly the API layouts', () => {
    assert.deepEqual(LAYOUTS.map((l) => l.value).sort(), [...VIDEO_LAYOUTS].sort());
  });

  it('grid-responsive grows near-square, and turns for a portrait screen', () => {
    const g = (n: number, portrait = false) => {
      const p = plan('grid-responsive', n, { portrait });
      assert.equal(p.kind, 'grid');
      return p.kind === 'grid' ? [p.columns, p.rows] : [];
    };
    assert.deepEqual(g(1), [1, 1]);
    assert.deepEqual(g(2), [2, 1]);
    assert.deepEqual(g(2, true), [1, 2]);
    assert.deepEqual(g(3), [2, 2]);
    assert.deepEqual(g(5), [3, 2]);
    assert.deepEqual(g(5, true), [2, 3]);
    assert.deepEqual(g(9), [3, 3]);
    const big = plan('grid-responsive', 30);
    assert.ok(
      big.kind === 'grid' && big.tiles.length === 25 && big.hidden === 5,
      'at most 25 on stage',
    );
    const mobile = plan('grid-responsive-mobile', 9);
    assert.ok(mobile.kind === 'grid' && mobile.columns === 2 && mobile.rows === 5, 'two columns');
  });

  it('fixed grids show that many, and count the rest', () => {
    const p = plan('2x2', 6);
    assert.ok(p.kind === 'grid' && p.columns === 2 && p.rows === 2, '2x2');
    assert.equal(p.kind === 'grid' && p.tiles.length, 4);
    assert.equal(p.hidden, 2);
    const wide = plan('2x1', 2, { portrait: true });
    assert.ok(
      wide.kind === 'grid' && wide.columns === 1 && wide.rows === 2,
      '2x1 turns on a phone',
    );
    assert.equal(plan('unknown', 3).kind, 'grid', 'an unknown layout draws a grid');
  });

  it('highlight-1 puts a screen share first, else the last speaker, never oneself alone', () => {
    const speaker = plan('highlight-1-responsive', 4, { speaker: 'm2' });
    assert.ok(speaker.kind === 'focus' && speaker.main.memberId === 'm2', 'the speaker');
    assert.equal(speaker.kind === 'focus' && speaker.strip.length, 3);
    const quiet = plan('highlight-1-responsive', 3);
    assert.ok(quiet.kind === 'focus' && quiet.main.memberId === 'm1', 'someone other than oneself');
    const screen = planLayout({
      layout: 'highlight-1-responsive',
      tiles: tiles(3, [2]),
      speaker: 'm1',
      self: 'm0',
      portrait: false,
    });
    assert.ok(
      screen.kind === 'focus' && screen.main.screen && screen.main.memberId === 'm2',
      'the screen',
    );
    const five = plan('5up', 8);
    assert.ok(five.kind === 'focus' && five.strip.length === 4 && five.hidden === 3, '5up');
    const one = plan('1x1', 3);
    assert.ok(one.kind === 'focus' && one.strip.length === 0 && one.hidden === 2, '1x1');
    assert.deepEqual(plan('grid-responsive', 0), {
      kind: 'grid',
      columns: 1,
      rows: 1,
      tiles: [],
      hidden: 0,
    });
  });
});

describe('colours', () => {
  it("takes the conference's colours for the viewer's scheme, and ignores what is not a colour", () => {
    const colors = {
      dark_background: '#203040',
      dark_primary: 'red; background: url(x)',
      light_background: '#FAFAF0',
      light_primary: '#123',
    };
    const dark = paletteFor(colors, 'dark');
    assert.equal(dark.background, '#203040');
    assert.equal(dark.primary, '#044ef4', 'not a hex colour: the default');
    const light = paletteFor(colors, 'light');
    assert.equal(light.background, '#FAFAF0');
    assert.equal(light.primary, '#123');
    assert.deepEqual(paletteFor(null, 'dark'), paletteFor({}, 'dark'));
  });

  it('keeps text readable whatever the colours', () => {
    const unreadable = paletteFor(
      { dark_background: '#777777', dark_foreground: '#808080' },
      'dark',
    );
    assert.ok(contrast(unreadable.foreground, unreadable.background) >= 4.5, 'foreground replaced');
    for (const bg of ['#000000', '#ffffff', '#777777', '#ffff00', '#0000ff']) {
      const vars = cssVariables(paletteFor({ light_background: bg, light_primary: bg }, 'light'));
      assert.ok(contrast(vars['--on-primary']!, vars['--primary']!) >= 4.5, `on-primary on ${bg}`);
      assert.ok(contrast(vars['--muted-fg']!, vars['--bg']!) >= 4.5, `muted text on ${bg}`);
      assert.ok(contrast(vars['--fg']!, vars['--surface']!) >= 4.5, `text on surfaces over ${bg}`);
    }
  });
});

describe('refusals in words', () => {
  it('explains each close code', () => {
    const titles = Object.fromEntries(
      [4401, 4404, 4410, 4411, 4412, 4413, 4420, 4421, 4422, 4423, 1000, 1006].map((c) => [
        c,
        explainClose(c, '').title,
      ]),
    );
    assert.equal(titles[4410], 'The meeting has not opened yet');
    assert.equal(titles[4411], 'The meeting is closed');
    assert.equal(titles[4412], 'The meeting is full');
    assert.equal(titles[4413], 'The meeting is locked');
    assert.equal(titles[4401], 'This link no longer works');
    assert.equal(titles[4420], 'You were removed from the meeting');
    assert.equal(new Set(Object.values(titles)).size, 12, 'each its own words');
    assert.equal(explainClose(4420, '').retry, false);
    assert.equal(explainClose(4412, '').retry, true);
  });

  it('counts down', () => {
    assert.equal(formatCountdown(12_000), '12 s');
    assert.equal(formatCountdown(65_000), '1 min 05 s');
    assert.equal(formatCountdown(3_600_000 + 61_000), '1 h 01 min 01 s');
    assert.equal(formatCountdown(2 * 86_400_000 + 3_600_000), '2 d 1 h 00 min');
    assert.equal(formatCountdown(-5), '0 s');
  });
});

describe('colours: the API defaults', () => {
  it('a conference that kept the default colours gets a dark page for a dark preference', () => {
    const apiDefaults = {
      dark_primary: '#044EF4',
      dark_background: '#FFFFFF',
      dark_foreground: '#1D2127',
      dark_success: '#17BB58',
      dark_negative: '#F42C50',
    };
    assert.equal(paletteFor(apiDefaults, 'dark').background, '#121212');
    assert.equal(
      paletteFor({ ...apiDefaults, dark_background: '#000010' }, 'dark').background,
      '#000010',
    );
  });
});
