import { RestClient } from '@conclave/sdk';

const client = new RestClient();
const conference = await client.video.conferences.create({ display_name: 'Launch' });

// Conclave stores the stream's configuration; it does not send media yet.
const stream = await client.video.conferences.createStream(conference.id, {
  url: 'rtmp://live.example.com/app/launch',
});
console.log(stream.id, stream.stream_type, stream.width); // … 'rtmp' null

for await (const s of client.video.conferences.listStreams(conference.id)) {
  console.log(s.id, s.url);
}

const fetched = await client.video.streams.get(stream.id);
const moved = await client.video.streams.update(stream.id, {
  url: 'rtmps://backup.example.com/app/launch',
});
console.log(fetched.url, '→', moved.url, moved.stream_type); // … 'rtmps'
await client.video.streams.delete(stream.id);

await client.video.conferences.delete(conference.id);
