import { RestClient } from '@conclave/sdk';

const client = new RestClient();

// Sessions are written by the live-session engine; the API reads them.
for await (const s of client.video.roomSessions.list({
  room_name_matches: 'stand',
  status: 'completed',
})) {
  console.log(s.id, s.name, s.start_time, s.end_time);
}

const page = await client.video.roomSessions.list({ page_size: 10 });
console.log(`${page.data.length} sessions on the first page`);
const latest = page.data[0];
if (latest) {
  const session = await client.video.roomSessions.get(latest.id); // the summary shape
  const { data: members } = await client.video.roomSessions.listMembers(session.id);
  const { data: events } = await client.video.roomSessions.listEvents(session.id);
  const { data: recordings } = await client.video.roomSessions.listRecordings(session.id, {
    media_ttl: 3600,
  });
  console.log(
    members.length,
    events.map((e) => e.name),
    recordings.length,
  );
}
