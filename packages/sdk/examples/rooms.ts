import { RestClient } from '@conclave/sdk';

const client = new RestClient();

const room = await client.video.rooms.create({
  name: 'standup',
  display_name: 'Standup',
  max_members: 10,
  join_from: '2030-01-01T09:00:00Z',
  remove_after_seconds_elapsed: 3600,
  meta: { team: 'video' },
});
console.log(room.id, room.quality, room.layout); // defaults: 720p, grid-responsive

// By id, or by name: a UUID is an id, anything else a name.
const byId = await client.video.rooms.get(room.id, { include_active_session: true });
const byName = await client.video.rooms.get('standup');
console.log(byId.id === byName.id, byId.active_session?.status ?? 'no session in progress');

const updated = await client.video.rooms.update(room.id, {
  display_name: 'Daily standup',
  quality: '1080p',
});
console.log(updated.display_name, updated.max_members); // fields left out keep their values

const page = await client.video.rooms.list({ starts_after: '2030-01-01', page_size: 20 });
for (const r of page.data) console.log(r.name, r.join_from);
for await (const r of client.video.rooms.list({ include_active_session: true })) {
  console.log(r.name, r.active_session?.id ?? '-');
}

const { token } = await client.video.roomTokens.create({
  room_name: 'standup',
  user_name: 'Ada',
  permissions: ['room.self.audio_mute', 'room.self.audio_unmute'],
  join_until: '2030-01-01T10:00:00Z',
});
console.log(token.split('.').length); // 3: a JWT

const stream = await client.video.rooms.createStream(room.id, {
  url: 'rtmps://live.example.com/app/standup',
});
const { data: streams } = await client.video.rooms.listStreams(room.id);
console.log(streams.map((s) => `${s.stream_type} ${s.url}`));

await client.video.rooms.delete(room.id); // its streams go with it
console.log(stream.id);
