import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Cursor } from '../src/store/store.js';
import { buildLinks, formEncode, type PageParams } from '../src/pagination/pagination.js';
import { decodePageToken, encodePageToken } from '../src/pagination/page-token.js';
import { isDateTime, parseDateTime, parseDateTimeFilter } from '../src/lib/time.js';

/** A deterministic PRNG (mulberry32), so a failure names a case that can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** RFC 3339 as a regular expression and `Date`: slow, obviously right (for years ≥ 100). */
function referenceParse(text: string): number | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2})))?$/.exec(
      text,
    );
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(0);
  probe.setUTCFullYear(year, month, 0);
  if (month < 1 || month > 12 || day < 1 || day > probe.getUTCDate()) return undefined;
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const [oh, om] = [Number(m[9] ?? 0), Number(m[10] ?? 0)];
  if (oh > 23 || om > 59) return undefined;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, Math.min(second, 59), 0);
  return utc.getTime() / 1000 - (m[8] === '-' ? -1 : 1) * (oh * 60 + om) * 60;
}

describe('date-time parsing', () => {
  it('reads RFC 3339 date-times, dates and their edges', () => {
    const cases: [string, number | undefined][] = [
      ['1970-01-01T00:00:00Z', 0],
      ['2026-12-04T23:38:05Z', Date.UTC(2026, 11, 4, 23, 38, 5) / 1000],
      ['2026-12-04t23:38:05z', Date.UTC(2026, 11, 4, 23, 38, 5) / 1000],
      ['2026-12-04T23:38:05.123456789Z', Date.UTC(2026, 11, 4, 23, 38, 5) / 1000],
      ['2026-12-04T23:38:05+01:30', Date.UTC(2026, 11, 4, 22, 8, 5) / 1000],
      ['2026-12-04T23:38:05-23:59', Date.UTC(2026, 11, 5, 23, 37, 5) / 1000],
      ['2016-12-31T23:59:60Z', Date.UTC(2016, 11, 31, 23, 59, 59) / 1000],
      ['2024-02-29', Date.UTC(2024, 1, 29) / 1000],
      ['2000-02-29', Date.UTC(2000, 1, 29) / 1000],
      ['0001-01-01T00:00:00Z', -62135596800],
      ['0050-03-01', -60584198400],
      ['9999-12-31T23:59:59Z', 253402300799],
      ['1900-02-29', undefined],
      ['2025-02-29', undefined],
      ['2025-04-31', undefined],
      ['2025-13-01', undefined],
      ['2025-00-10', undefined],
      ['2025-01-00', undefined],
      ['2025-01-01T24:00:00Z', undefined],
      ['2025-01-01T23:60:00Z', undefined],
      ['2025-01-01T23:59:61Z', undefined],
      ['2025-01-01T23:59:59', undefined],
      ['2025-01-01T23:59:59.Z', undefined],
      ['2025-01-01T23:59:59.1234567890Z', undefined],
      ['2025-01-01T23:59:59+24:00', undefined],
      ['2025-01-01T23:59:59+01:60', undefined],
      ['2025-01-01T23:59:59+0100', undefined],
      ['2025-01-01T23:59:59Z ', undefined],
      ['2025-01-01 23:59:59Z', undefined],
      ['2025-1-01', undefined],
      ['+2025-01-01', undefined],
      ['２０２５-01-01', undefined],
      ['', undefined],
    ];
    for (const [text, seconds] of cases) assert.equal(parseDateTime(text), seconds, text);
    assert.equal(isDateTime('0000-01-01T00:00:00Z'), false);
  });

  it('agrees with a regular-expression-and-Date reading on 200,000 near-valid strings', () => {
    const rnd = prng(17);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    const noise = '0123456789-:.TtZz+ x';
    for (let i = 0; i < 200_000; i++) {
      let text =
        `${pad(100 + Math.floor(rnd() * 9900), 4)}-${pad(Math.floor(rnd() * 14), 2)}-${pad(Math.floor(rnd() * 33), 2)}` +
        pick([
          '',
          `T${pad(Math.floor(rnd() * 26), 2)}:${pad(Math.floor(rnd() * 62), 2)}:${pad(Math.floor(rnd() * 62), 2)}` +
            pick(['', '.5', '.123456789', '.1234567890', '.']) +
            pick([
              'Z',
              'z',
              '',
              `${pick(['+', '-'])}${pad(Math.floor(rnd() * 26), 2)}:${pad(Math.floor(rnd() * 62), 2)}`,
            ]),
        ]);
      if (rnd() < 0.3) {
        // One character changed, dropped or added anywhere.
        const at = Math.floor(rnd() * (text.length + 1));
        const op = Math.floor(rnd() * 3);
        text =
          text.slice(0, at) +
          (op === 1 ? '' : pick([...noise])) +
          text.slice(op === 2 ? at : at + 1);
      }
      assert.equal(parseDateTime(text), referenceParse(text), text);
    }
  });

  it('reads Unix seconds as filters, up to the last instant the wire can write', () => {
    assert.equal(parseDateTimeFilter('0'), 0);
    assert.equal(parseDateTimeFilter('-86400'), -86400);
    assert.equal(parseDateTimeFilter('1767225600'), 1767225600);
    assert.equal(parseDateTimeFilter('253402300799'), 253402300799);
    assert.equal(parseDateTimeFilter('253402300800'), undefined);
    assert.equal(parseDateTimeFilter('1234567890123'), undefined);
    assert.equal(parseDateTimeFilter('-'), undefined);
    assert.equal(parseDateTimeFilter('12a'), undefined);
    assert.equal(parseDateTimeFilter('1e3'), undefined);
    assert.equal(parseDateTimeFilter(' 12'), undefined);
    assert.equal(parseDateTimeFilter(''), undefined);
    assert.equal(parseDateTimeFilter('2025-06-01'), Date.UTC(2025, 5, 1) / 1000);
  });
});

describe('query-string encoding of page links', () => {
  const viaSearchParams = (text: string) => new URLSearchParams({ v: text }).toString().slice(2);

  it('writes every character of the first 1,024 code points as URLSearchParams does', () => {
    for (let c = 0; c < 1024; c++) {
      const text = `a${String.fromCharCode(c)}b`;
      assert.equal(formEncode(text), viaSearchParams(text), `U+${c.toString(16)}`);
    }
  });

  it('writes random strings, filters and page tokens as URLSearchParams does', () => {
    const rnd = prng(5);
    const alphabet = [..."az09-._*~!'() :/+%&=?#é€😀"];
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      const n = Math.floor(rnd() * 12);
      for (let j = 0; j < n; j++) text += alphabet[Math.floor(rnd() * alphabet.length)];
      assert.equal(formEncode(text), viaSearchParams(text), JSON.stringify(text));
    }
    for (const text of ['2025-01-01T00:00:00Z', '2025-01-01T00:00:00+01:00', 'PAeyJ0', '50', '']) {
      assert.equal(formEncode(text), viaSearchParams(text), text);
    }
  });
});

describe('page links', () => {
  /** The links as `URLSearchParams` and a sort make them: slow, obviously right. */
  function referenceUrl(
    base: string,
    filters: Record<string, string | undefined>,
    extra: Record<string, string | number | undefined>,
  ): string {
    const all: Record<string, string> = {};
    for (const [k, v] of Object.entries(filters)) if (v !== undefined && !(k in extra)) all[k] = v;
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) all[k] = String(v);
    const query = new URLSearchParams(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : 1)));
    return `${base}?${query.toString()}`;
  }

  it('carry every filter, in key order among the paging keys, as URLSearchParams writes them', () => {
    const base = 'https://conclave.example/api/video/conferences';
    const key = { createdAt: 1767225600123, id: '0b7f9f2e-8a59-4c1e-9d7a-3f5a1c2b4d6e' };
    const filterSets: Record<string, string | undefined>[] = [
      {},
      { starts_after: '2025-01-01T00:00:00+01:00', ends_before: '2025-12-31' },
      { a: 'x y', page_o: 'é', page_size: '7', page_u: '~', z: undefined, zz: "it's" },
      { include_active_session: 'true', ends_before: undefined, starts_after: '1767225600' },
    ];
    for (const filters of filterSets) {
      for (const pageNumber of [0, 3]) {
        const params: PageParams = {
          pageNumber,
          pageSize: 25,
          pageToken: pageNumber ? encodePageToken('after', key) : undefined,
          request: { limit: 25 },
        };
        const links = buildLinks(base, filters, params, {
          items: [],
          hasNext: true,
          firstKey: key,
          lastKey: key,
        });
        const extra = { page_number: pageNumber, page_size: 25, page_token: params.pageToken };
        assert.equal(links.self, referenceUrl(base, filters, extra));
        assert.equal(links.first, referenceUrl(base, filters, { page_size: 25 }));
        assert.equal(
          links.next,
          referenceUrl(base, filters, {
            page_number: pageNumber + 1,
            page_size: 25,
            page_token: encodePageToken('after', key),
          }),
        );
        assert.equal(
          links.prev,
          pageNumber
            ? referenceUrl(base, filters, {
                page_number: pageNumber - 1,
                page_size: 25,
                page_token: encodePageToken('before', key),
              })
            : undefined,
        );
      }
    }
  });
});

describe('page tokens', () => {
  /** The tokens as a Buffer per call and BigInt write them: slow, obviously right. */
  function referenceEncode(direction: 'after' | 'before', cursor: Cursor): string {
    const bytes = Buffer.alloc(25);
    bytes.writeUInt8(cursor.inclusive ? 1 : 0, 0);
    bytes.writeBigInt64BE(BigInt(cursor.createdAt), 1);
    Buffer.from(cursor.id.replace(/-/g, ''), 'hex').copy(bytes, 9);
    return (direction === 'after' ? 'PA' : 'PB') + bytes.toString('base64url');
  }
  function referenceDecode(token: string) {
    const m = /^P([AB])([A-Za-z0-9_-]{34})$/.exec(token);
    if (!m) return undefined;
    const bytes = Buffer.from(m[2]!, 'base64url');
    if (bytes.length !== 25 || bytes.toString('base64url') !== m[2]) return undefined;
    const flags = bytes.readUInt8(0);
    if (flags > 1) return undefined;
    const createdAt = Number(bytes.readBigInt64BE(1));
    if (createdAt < 0 || createdAt > 253402300799999) return undefined;
    const hex = bytes.subarray(9).toString('hex');
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const cursor: Cursor = { createdAt, id };
    if (flags === 1) cursor.inclusive = true;
    return { direction: m[1] === 'A' ? 'after' : 'before', cursor };
  }

  it('write and read back as the Buffer-and-BigInt reading does, and refuse what it refuses', () => {
    const rnd = prng(11);
    const hex = () => Math.floor(rnd() * 16).toString(16);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=.';
    for (let i = 0; i < 20_000; i++) {
      const uuid = Array.from({ length: 32 }, hex).join('');
      const id = `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20)}`;
      const createdAt = [0, 1, 2 ** 32 - 1, 2 ** 32, 253402300799999, -1][i % 6] ?? 0;
      const cursor: Cursor = {
        createdAt: i % 2 ? Math.floor(rnd() * 253402300799999) : createdAt,
        id: i % 97 === 0 ? 'not-a-uuid' : id,
      };
      if (rnd() < 0.3) cursor.inclusive = true;
      const direction = rnd() < 0.5 ? 'after' : 'before';
      const token = encodePageToken(direction, cursor);
      assert.equal(token, referenceEncode(direction, cursor));
      assert.deepEqual(decodePageToken(token), referenceDecode(token), token);
      // One character changed: most no longer decode, and none decodes differently.
      const at = Math.floor(rnd() * token.length);
      const mutated =
        token.slice(0, at) + alphabet[Math.floor(rnd() * alphabet.length)] + token.slice(at + 1);
      assert.deepEqual(decodePageToken(mutated), referenceDecode(mutated), mutated);
    }
    for (const bad of [
      '',
      'PA',
      'PC' + 'A'.repeat(34),
      'PA' + 'A'.repeat(33),
      'PA' + 'A'.repeat(35),
    ]) {
      assert.equal(decodePageToken(bad), undefined, bad);
    }
    // A token whose last character carries non-zero spare bits is not the encoding of its bytes.
    const token = encodePageToken('after', {
      createdAt: 5,
      id: '00000000-0000-4000-8000-000000000000',
    });
    assert.equal(decodePageToken(token.slice(0, -1) + 'B'), undefined);
  });
});
