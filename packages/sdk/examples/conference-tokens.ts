import { RestClient, joinUrl } from '@conclave/sdk';

const client = new RestClient();
const conference = await client.video.conferences.create({ display_name: 'Board meeting' });
const { data: tokens } = await client.video.conferences.listConferenceTokens(conference.id);
const guestId = tokens.find((t) => t.name === 'Guest')!.id;

const guest = await client.video.conferenceTokens.get(guestId);
console.log(guest.name, guest.token, guest.scopes);

// A new value; the old one stops admitting anyone at once. id, name and scopes stay.
const reset = await client.video.conferenceTokens.reset(guestId);
console.log(reset.token !== guest.token); // true

// A link to the join page; its token is in the fragment, which never reaches a server log.
const link = joinUrl(client.baseUrl, reset.token, { name: 'Ada Lovelace' });
console.log(link); // http://127.0.0.1:8080/join#token=vpt_…&name=Ada%20Lovelace
