import {
  CONFERENCE_SIZES,
  THEME_COLOR_DEFAULTS,
  THEME_COLOR_FIELDS,
  VIDEO_LAYOUTS,
} from '@conclave/schema';

/**
 * Deterministic, realistic conference rows for one project, generated in `created_at` order
 * (oldest first). Everything is derived from `--seed`, so two runs seed the same data.
 */

const YEAR_MS = 365.25 * 24 * 3600 * 1000;
const DAY_S = 24 * 3600;

/** mulberry32: small, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class DataGenerator {
  private readonly rnd: () => number;
  readonly now: number;
  /** Oldest created_at (ms). */
  readonly startMs: number;
  private readonly stepMs: number;
  private i = 0;
  private lastCreatedAt = 0;
  /** Range of join_from (Unix seconds), independent of created_at. */
  readonly joinLo: number;
  readonly joinHi: number;

  constructor(
    readonly projectId: string,
    readonly n: number,
    seed: number,
    now = Date.now(),
  ) {
    this.rnd = prng(seed);
    this.now = now;
    // Three years of history, ending a minute ago: a created conference is always newer.
    this.startMs = now - 3 * YEAR_MS;
    this.stepMs = (now - 60_000 - this.startMs) / n;
    this.joinLo = Math.floor(this.startMs / 1000);
    this.joinHi = Math.floor(now / 1000) + 60 * DAY_S;
  }

  /** A filter window `[startsAfter, endsBefore]` that keeps roughly half the rows (90 % have both ends). */
  filterWindow(): { startsAfter: number; endsBefore: number } {
    const span = this.joinHi - this.joinLo;
    const startsAfter = this.joinLo + Math.floor(span * 0.2);
    const endsBefore = startsAfter + Math.floor(span * 0.56);
    return { startsAfter: startsAfter - (startsAfter % 3600), endsBefore };
  }

  /** A version-4 UUID from the seeded generator. */
  uuid(): string {
    const r = this.rnd;
    const h = () => HEX[(r() * 256) | 0]!;
    const version = HEX[0x40 | ((r() * 16) | 0)]!;
    const variant = HEX[0x80 | ((r() * 64) | 0)]!;
    return `${h()}${h()}${h()}${h()}-${h()}${h()}-${version}${h()}-${variant}${h()}-${h()}${h()}${h()}${h()}${h()}${h()}`;
  }

  hex(bytes: number): string {
    let s = '';
    for (let k = 0; k < bytes; k++) s += HEX[(this.rnd() * 256) | 0];
    return s;
  }

  private pick<T>(items: readonly T[]): T {
    return items[(this.rnd() * items.length) | 0]!;
  }

  private alnum(length: number): string {
    const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let k = 0; k < length; k++) s += A[(this.rnd() * 62) | 0];
    return s;
  }

  get done(): boolean {
    return this.i >= this.n;
  }

  get index(): number {
    return this.i;
  }

  /** The next conference row (column name → value), oldest first. */
  next(): ConferenceRow {
    const r = this.rnd;
    const i = this.i++;
    // Spread over three years; about 1 % share the previous row's millisecond (ties order by id).
    let createdAt =
      i > 0 && r() < 0.01 ? this.lastCreatedAt : Math.floor(this.startMs + (i + r()) * this.stepMs);
    if (createdAt < this.lastCreatedAt) createdAt = this.lastCreatedAt;
    this.lastCreatedAt = createdAt;
    const updatedAt =
      r() < 0.2 ? Math.min(createdAt + Math.floor(r() * 30 * DAY_S * 1000), this.now) : createdAt;

    const team = this.pick(TEAMS);
    const kind = this.pick(KINDS);
    const serial = i.toString(36);
    const generatedName = r() < 0.3;
    const name = generatedName ? this.alnum(20) : `${team}-${kind}-${serial}`;
    const displayName = generatedName
      ? `${cap(team)} ${cap(kind)}`
      : `${cap(team)} ${cap(kind)} #${serial}`;

    // Join windows are independent of created_at, so a filter rejects rows all along the order.
    const w = r();
    let joinFrom: number | null = null;
    let joinUntil: number | null = null;
    if (w < 0.95) {
      joinFrom = this.joinLo + Math.floor(r() * (this.joinHi - this.joinLo));
      joinFrom -= joinFrom % 900;
      if (w < 0.9) joinUntil = joinFrom + 1800 * (1 + Math.floor(r() * 16));
    }

    const custom = r() < 0.1;
    const row: ConferenceRow = {
      id: this.uuid(),
      project_id: this.projectId,
      name,
      display_name: displayName,
      description: r() < 0.6 ? this.pick(DESCRIPTIONS).replace('{team}', cap(team)) : null,
      join_from: joinFrom,
      join_until: joinUntil,
      quality: r() < 0.75 ? '720p' : '1080p',
      layout: r() < 0.6 ? 'grid-responsive' : this.pick(VIDEO_LAYOUTS),
      size: this.pick(CONFERENCE_SIZES),
      record_on_start: r() < 0.1 ? 1 : 0,
      tone_on_entry_and_exit: r() < 0.85 ? 1 : 0,
      user_join_video_off: r() < 0.1 ? 1 : 0,
      room_join_video_off: r() < 0.05 ? 1 : 0,
      enable_chat: r() < 0.9 ? 1 : 0,
      enable_room_previews: r() < 0.2 ? 1 : 0,
      meta: null,
      created_at: createdAt,
      updated_at: updatedAt,
    };
    for (const field of THEME_COLOR_FIELDS) {
      row[field] = custom ? `#${this.hex(3).toUpperCase()}` : THEME_COLOR_DEFAULTS[field];
    }
    if (r() < 0.3) {
      row.meta = JSON.stringify({
        team,
        cost_center: 1000 + ((r() * 9000) | 0),
        tags: [kind, r() < 0.5 ? 'internal' : 'external'],
      });
    }
    return row;
  }
}

export type ConferenceRow = Record<string, string | number | null>;

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const TEAMS = [
  'platform',
  'growth',
  'design',
  'sales',
  'support',
  'finance',
  'legal',
  'mobile',
  'infra',
  'data',
  'security',
  'marketing',
  'people',
  'research',
  'partners',
  'billing',
];
const KINDS = [
  'standup',
  'sync',
  'retro',
  'planning',
  'review',
  'allhands',
  'interview',
  'demo',
  'onboarding',
  'workshop',
  'townhall',
  'office-hours',
];
const DESCRIPTIONS = [
  'Weekly sync for the {team} team.',
  'Daily standup. Cameras optional, be on time.',
  'Quarterly planning: goals, staffing and risks for the next quarter.',
  'Customer demo of the new release; recording is shared afterwards.',
  'Interview loop room. Please keep the waiting room enabled.',
  '{team} retrospective: what went well, what did not, what we change.',
  'Open office hours with the {team} leads — drop in with questions.',
  'Onboarding session for new hires joining {team} this month.',
];

/** Column values in the order of `columns`; a column the generator does not know is NULL. */
export function valuesOf(row: Record<string, unknown>, columns: readonly string[]): unknown[] {
  return columns.map((c) => row[c] ?? null);
}
