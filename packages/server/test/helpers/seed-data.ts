import { randomUUID } from 'node:crypto';
import { hashSecret, newApiToken, tokenPrefix } from '../../src/auth/secrets.js';
import { newConferenceTokenValue } from '../../src/lib/ids.js';
import { conferenceFieldsToRow } from '../../src/routes/video/conferences/conference-rows.js';
import type { ConferenceFields, RowBatch, Store, TableRow } from '../../src/store/store.js';

const MODERATOR_SCOPES = ['room.self.audio_mute', 'room.member.remove', 'room.recording'];
const GUEST_SCOPES = ['room.self.audio_mute', 'room.self.video_mute'];

/** Varied conference fields: nulls, every flag both ways, join windows, meta with non-ASCII. */
export function seedFields(i: number): ConferenceFields {
  const base = 1_700_000_000 + i * 60;
  return {
    display_name: i % 17 === 0 ? null : `Conference ${i} — «réunion» ${'✓'.repeat(i % 3)}`,
    description: i % 2 === 0 ? `description ${i}\nline two "quoted"` : null,
    join_from: i % 3 === 0 ? null : base,
    join_until: i % 4 === 0 ? null : base + 3600,
    quality: i % 2 === 0 ? '720p' : '1080p',
    layout: i % 5 === 0 ? 'grid-responsive-mobile' : 'grid-responsive',
    size: i % 7 === 0 ? null : 'medium',
    record_on_start: i % 2 === 1,
    tone_on_entry_and_exit: i % 3 !== 1,
    user_join_video_off: i % 4 === 1,
    room_join_video_off: i % 5 === 1,
    enable_chat: i % 6 !== 1,
    enable_room_previews: i % 3 === 0 ? null : i % 2 === 0,
    dark_primary: i % 9 === 0 ? '#112233' : null,
    dark_background: null,
    dark_foreground: null,
    dark_success: null,
    dark_negative: null,
    light_primary: i % 11 === 0 ? '#aabbcc' : null,
    light_background: null,
    light_foreground: null,
    light_success: null,
    light_negative: null,
    meta: i % 4 === 0 ? { n: i, tag: 'ünïcödé', nested: { ok: true } } : null,
  };
}

/** A project with an API token; returns its id. */
export async function seedProject(store: Store, name: string, createdAt: number) {
  const id = randomUUID();
  await store.createProject({ id, name, createdAt });
  const token = newApiToken();
  await store.createApiToken({
    id: randomUUID(),
    projectId: id,
    name: 'seed',
    prefix: tokenPrefix(token),
    tokenHash: hashSecret(token),
    scopes: ['video'],
    createdAt,
  });
  return id;
}

/**
 * `count` conferences (each with its two tokens) written straight as rows, `batch` per
 * transaction — fast enough to fill a database with millions.
 */
export async function seedConferences(
  store: Store,
  projectId: string,
  count: number,
  options: { startAt?: number; batch?: number; onBatch?: (done: number) => void } = {},
): Promise<void> {
  const startAt = options.startAt ?? 1_700_000_000_000;
  const size = options.batch ?? 1000;
  for (let from = 0; from < count; from += size) {
    const conferences: TableRow<'conferences'>[] = [];
    const tokens: TableRow<'conference_tokens'>[] = [];
    for (let i = from; i < Math.min(count, from + size); i++) {
      const id = randomUUID();
      // A few share a millisecond, so the id tiebreaker is exercised.
      const createdAt = startAt + Math.floor(i / 3) * 7;
      conferences.push({
        id,
        project_id: projectId,
        name: `conf-${i}-${id.slice(0, 8)}`,
        ...conferenceFieldsToRow(seedFields(i)),
        created_at: createdAt,
        updated_at: createdAt + (i % 10),
        wire: null, // insertRows writes the wire JSON from the row
      });
      tokens.push(
        {
          id: randomUUID(),
          project_id: projectId,
          conference_id: id,
          name: 'Moderator',
          token: newConferenceTokenValue(),
          scopes: JSON.stringify(MODERATOR_SCOPES),
          created_at: createdAt + 1,
        },
        {
          id: randomUUID(),
          project_id: projectId,
          conference_id: id,
          name: 'Guest',
          token: newConferenceTokenValue(),
          scopes: JSON.stringify(GUEST_SCOPES),
          created_at: createdAt,
        },
      );
    }
    const batch: RowBatch = { conferences, conference_tokens: tokens };
    await store.insertRows(batch);
    options.onBatch?.(Math.min(count, from + size));
  }
}
