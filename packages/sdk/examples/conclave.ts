import {
  AuthenticationError,
  ConflictError,
  NotFoundError,
  RestClient,
  type LiveFeedEvent,
  type LiveFeedSession,
} from '@conclave/sdk';

const client = new RestClient();
const conference = await client.video.conferences.create({ display_name: 'Town hall' });
const { data: tokens } = await client.video.conferences.listConferenceTokens(conference.id);
const guestToken = tokens.find((t) => t.name === 'Guest')!.token;

// The project's live sessions, kept current from the feed: a snapshot, then every change.
const live = new Map<string, LiveFeedSession>();
const apply = (event: LiveFeedEvent) => {
  switch (event.type) {
    case 'snapshot':
      live.clear();
      for (const s of event.sessions) live.set(s.session.id, s);
      break;
    case 'session.started':
      live.set(event.session_id, { session: event.session, members: [], talking: [] });
      break;
    case 'session.updated':
      live.get(event.session_id)!.session = event.session; // layout, locked
      break;
    case 'session.ended':
      live.delete(event.session_id); // its members are gone with it
      break;
    case 'member.joined':
      live.get(event.session_id)?.members.push(event.member);
      break;
    case 'member.updated': {
      const members = live.get(event.session_id)?.members ?? [];
      const i = members.findIndex((m) => m.id === event.member.id);
      if (i >= 0) members[i] = event.member; // muted, deaf, reconnecting
      break;
    }
    case 'member.left': {
      const s = live.get(event.session_id);
      if (s) s.members = s.members.filter((m) => m.id !== event.member_id);
      break;
    }
    case 'member.talking': {
      const s = live.get(event.session_id);
      if (s) {
        s.talking = s.talking.filter((id) => id !== event.member_id);
        if (event.talking) s.talking.push(event.member_id);
      }
      break;
    }
  }
};

const controller = new AbortController();
const watching = (async () => {
  try {
    for await (const event of client.conclave.live({ signal: controller.signal })) {
      apply(event);
      console.log(event.type, live.size, 'live sessions');
    }
    // Ended by the server (it stopped, or the token was revoked): open it again to know which.
  } catch (error) {
    if (error instanceof AuthenticationError)
      console.log('signed out'); // 401
    else throw error;
  }
})();

// Someone joins (a participant with a conference token, here through the SDK's realtime client).
const guest = await client.video.realtime.join({ token: guestToken, name: 'Grace' });
const sessionId = guest.session.id;

// Moderate with the API token: mute, remove, end.
const member = await client.conclave.updateMember(sessionId, guest.memberId, {
  audioMuted: true,
  videoMuted: true,
});
console.log(member.audio_muted, member.video_muted); // true true
await client.conclave.removeMember(sessionId, guest.memberId); // closed 4420 removed
await client.conclave.endSession(sessionId); // everyone closed 4422 session_ended

try {
  await client.conclave.endSession(sessionId); // not live any more
} catch (error) {
  if (error instanceof NotFoundError)
    console.log(error.status); // 404
  else if (error instanceof ConflictError)
    console.log(error.code); // 'hosted_elsewhere'
  else throw error;
}

controller.abort(); // the loop above ends
await watching;
