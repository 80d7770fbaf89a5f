import { DEFAULT_MEDIA_TTL, type RoomRecording } from '@conclave/schema';
import type { AppContext } from '../../../context.js';
import { formatMillis } from '../../../lib/time.js';
import { signRecordingUrl } from '../../../media/signed-urls.js';
import type { RecordingRow } from '../../../store/store.js';

/**
 * The wire form of a recording. `uri` is a link to Conclave's own media route, signed and valid
 * for `mediaTtl` seconds; null until the file is written (and for a failed recording that kept
 * none). A failed recording (`error` in the row) is `completed` here, as the spec has no failed
 * state: its duration and size are its file's, and its `recording.ended` event says why.
 */
export async function toRoomRecording(
  ctx: AppContext,
  row: RecordingRow,
  mediaTtl: number | undefined,
): Promise<RoomRecording> {
  const uri =
    row.storage_key === null
      ? null
      : await signRecordingUrl(
          ctx.store,
          ctx.config.publicUrl,
          row.project_id,
          row.id,
          mediaTtl ?? DEFAULT_MEDIA_TTL,
          ctx.now(),
        );
  return rowToRoomRecording(row, uri);
}

/** The wire form with a given `uri` (events carry null: a signed link would go stale). */
export function rowToRoomRecording(row: RecordingRow, uri: string | null): RoomRecording {
  return {
    id: row.id,
    room_session_id: row.room_session_id,
    status: (row.status === 'error' ? 'completed' : row.status) as RoomRecording['status'],
    started_at: formatMillis(row.started_at),
    finished_at: row.finished_at === null ? null : formatMillis(row.finished_at),
    duration:
      row.finished_at === null
        ? null
        : Math.max(0, Math.round((row.finished_at - row.started_at) / 1000)),
    size_in_bytes: row.size_in_bytes === null ? null : Number(row.size_in_bytes),
    format: row.format,
    cost_in_dollars: 0,
    uri,
    created_at: formatMillis(row.created_at),
    updated_at: formatMillis(row.updated_at),
  };
}
