import {
  CLOSE_CODES,
  RealtimeClosedError,
  RealtimeError,
  RestClient,
  joinRealtime,
} from '@conclave/sdk';

const client = new RestClient();
const conference = await client.video.conferences.create({ display_name: 'Stand-up' });
const { data: tokens } = await client.video.conferences.listConferenceTokens(conference.id);
const moderatorToken = tokens.find((t) => t.name === 'Moderator')!.token;
const guestToken = tokens.find((t) => t.name === 'Guest')!.token;

// A conference token (or a room token) is all a participant needs, never the API token.
const host = await joinRealtime({
  url: process.env.CONCLAVE_URL!, // 'https://video.example.com', as for RestClient
  token: moderatorToken,
  name: 'Ada',
});
console.log(host.memberId, host.session.name, host.scopes.length);

host.on('member.joined', ({ member }) => console.log('joined:', member.name));
host.on('member.updated', ({ member }) => console.log('updated:', member.name, member.audio_muted));
host.on('member.left', ({ member, reason }) => console.log('left:', member?.name, reason));
host.on('chat', ({ name, text }) => console.log(`${name}: ${text}`));
host.on('session.updated', ({ session }) => console.log('layout', session.layout));
host.on('closed', ({ code, reason }) => console.log('closed', code, reason));

// Or from the REST client, which knows the server's URL.
const guest = await client.video.realtime.join({ token: guestToken, name: 'Grace' });
for (const member of guest.members.values()) console.log(member.name, member.audio_muted);
guest.on('signal', ({ from, data }) => console.log('signal from', from, data));

// Every request resolves once the server acknowledges it.
await host.signal(guest.memberId, { type: 'offer', sdp: 'v=0…' }); // opaque to the server
await guest.chat('Hello!');
await guest.muteVideo(); // oneself
await host.muteAudio(guest.memberId); // someone else: needs room.member.* scopes
await host.setLayout('grid-responsive');

try {
  await guest.removeMember(host.memberId); // a Guest token has room.self.* scopes only
} catch (error) {
  if (error instanceof RealtimeError)
    console.log(error.code); // 'forbidden'
  else throw error;
}

// A refused join rejects with the server's close code and reason.
await host.lock();
try {
  await client.video.realtime.join({ token: guestToken });
} catch (error) {
  if (error instanceof RealtimeClosedError && error.code === CLOSE_CODES.session_locked) {
    console.log(error.code, error.reason, error.refusal?.message); // 4413 'session_locked' 'the session is locked'
  } else {
    throw error;
  }
}
await host.unlock();

// After a dropped connection the client resumes on its own, keeping the member's place.
guest.on('reconnecting', ({ attempt, code }) => console.log('reconnecting', attempt, code));
guest.on('reconnected', ({ resumed }) => console.log('back, same member:', resumed));

await host.removeMember(guest.memberId);
console.log(await guest.closed); // { code: 4420, reason: 'removed' }
await host.leave(); // resolves once the server has closed the connection

// A page that reloads: keep the resume token as it changes, and join with it again.
const visitor = await client.video.realtime.join({ token: guestToken, name: 'Lin' });
const saved = visitor.resumeToken; // in sessionStorage, say
const reloaded = await client.video.realtime.join({ token: guestToken, resumeToken: saved });
console.log(reloaded.resumed, reloaded.memberId === visitor.memberId); // true true
await reloaded.leave();
