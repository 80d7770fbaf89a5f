import { RestClient } from '@conclave/sdk';

// Reads SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN and SIGNALWIRE_SPACE from the environment.
const client = new RestClient();

const conference = await client.video.conferences.create({ display_name: 'All hands' });
const { data: tokens } = await client.video.conferences.listConferenceTokens(conference.id);
console.log(
  conference.name,
  tokens.map((t) => `${t.name}: ${t.token}`),
);

for await (const c of client.video.conferences.list()) {
  console.log(c.id, c.display_name);
}
