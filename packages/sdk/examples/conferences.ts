import { RestClient } from '@conclave/sdk';

const client = new RestClient({
  project: process.env.SIGNALWIRE_PROJECT_ID, // a UUID
  token: process.env.SIGNALWIRE_API_TOKEN, // PT…
  host: process.env.SIGNALWIRE_SPACE, // 'video.example.com' or 'http://127.0.0.1:8080'
});

const conference = await client.video.conferences.create({
  display_name: 'Quarterly review',
  name: 'quarterly-review',
  join_from: '2030-01-01T09:00:00Z',
  join_until: '2030-01-01T17:00:00Z',
  size: 'large',
  meta: { owner: 'finance' },
});
console.log(conference.id, conference.quality, conference.layout); // defaults: 720p, grid-responsive

const fetched = await client.video.conferences.get(conference.id, {
  include_active_session: true,
});
console.log(fetched.active_session?.status ?? 'no session in progress');

const updated = await client.video.conferences.update(conference.id, {
  display_name: 'Quarterly review (Q1)',
  enable_chat: false,
});
console.log(updated.display_name, updated.join_from); // fields left out keep their values

const page = await client.video.conferences.list({
  starts_after: '2030-01-01',
  ends_before: '2031-01-01',
  page_size: 20,
});
for (const c of page.data) console.log(c.name, c.join_from);

const { data: tokens } = await client.video.conferences.listConferenceTokens(conference.id);
for (const t of tokens) console.log(t.name, t.token, t.scopes.length);

await client.video.conferences.delete(conference.id);
