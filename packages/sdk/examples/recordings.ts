import { RestClient } from '@conclave/sdk';

const client = new RestClient();

// Each uri is a signed link to the file, valid for media_ttl seconds (default 900).
for await (const r of client.video.roomRecordings.list({ media_ttl: 3600 })) {
  console.log(r.id, r.status, r.duration, r.uri);
}

const { data: recordings } = await client.video.roomRecordings.list({ page_size: 1 });
console.log(`${recordings.length} recording(s) on the first page`);
const first = recordings[0];
if (first) {
  const recording = await client.video.roomRecordings.get(first.id, { media_ttl: 60 });
  const { data: events } = await client.video.roomRecordings.listEvents(recording.id);
  console.log(
    recording.format,
    recording.size_in_bytes,
    events.map((e) => e.name),
  );
  await client.video.roomRecordings.delete(recording.id);
}
