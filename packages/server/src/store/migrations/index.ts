import type { Migration } from 'kysely';
import { foundation } from './0001-foundation.js';
import { roomsStreams } from './0002-rooms-streams.js';
import { sessionsRecordingsLogs } from './0003-sessions-recordings-logs.js';
import { liveSessions } from './0004-live-sessions.js';
import { conferenceTokensByProject } from './0005-conference-tokens-by-project.js';
import { conferenceWireColumn } from './0006-conference-wire.js';
import { events } from './0007-events.js';
import { nodes } from './0008-nodes.js';
import { eventsRetention } from './0009-events-retention.js';
import { eventPositions } from './0010-event-positions.js';
import { conferenceWireAscii } from './0011-conference-wire-ascii.js';
import type { Engine } from './engine.js';
import { schemaKit } from './schema-kit.js';

export type { Engine } from './engine.js';

/**
 * The migrations, each written once for both engines (what differs is in `schema-kit.ts`), in
 * the order they apply; Kysely's Migrator records them by name. Append new ones in a file of
 * their own; never edit one that has shipped.
 */
export function migrations(engine: Engine): Record<string, Migration> {
  const schema = schemaKit(engine);
  return {
    '0001_foundation': foundation(schema),
    '0002_rooms_streams': roomsStreams(schema),
    '0003_sessions_recordings_logs': sessionsRecordingsLogs(schema),
    '0004_live_sessions': liveSessions(schema),
    '0005_conference_tokens_by_project': conferenceTokensByProject(schema),
    '0006_conference_wire': conferenceWireColumn(schema),
    '0007_events': events(schema),
    '0008_nodes': nodes(schema),
    '0009_events_retention': eventsRetention(),
    '0010_event_positions': eventPositions(schema),
    '0011_conference_wire_ascii': conferenceWireAscii(),
  };
}
