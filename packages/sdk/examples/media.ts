import { RealtimeError, RestClient, joinRealtime, type RealtimeSession } from '@conclave/sdk';

const client = new RestClient();
const conference = await client.video.conferences.create({ display_name: 'Media' });
const { data: tokens } = await client.video.conferences.listConferenceTokens(conference.id);
const guestToken = tokens.find((t) => t.name === 'Guest')!.token;

// In a browser: publish the camera and microphone, and show everyone else's video.
async function joinCall(url: string, token: string, grid: HTMLElement): Promise<RealtimeSession> {
  const call = await joinRealtime({ url, token, name: 'Ada' }); // subscribes on its own
  call.on('track.added', ({ memberId, kind, stream }) => {
    if (kind !== 'video' || !stream) return;
    const video = document.createElement('video');
    Object.assign(video, { id: `v-${memberId}`, autoplay: true, playsInline: true });
    video.srcObject = stream; // the member's audio and video
    grid.append(video);
  });
  call.on('track.removed', ({ memberId, kind }) => {
    if (kind === 'video') document.getElementById(`v-${memberId}`)?.remove();
  });
  call.on('member.talking', ({ member_id, talking }) => console.log(member_id, talking));
  call.on('media.closed', ({ reason, restarting }) => console.log('media', reason, restarting));

  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  try {
    await call.media.publish(stream); // audio as 'microphone', video as 'camera'
  } catch (error) {
    // An audience member receives only.
    if (!(error instanceof RealtimeError && error.code === 'not_publisher')) throw error;
  }
  return call;
}

// Mute locally (the others see video_muted and the server forwards nothing), switch cameras
// without renegotiating, share the screen, stop.
async function controls(call: RealtimeSession): Promise<void> {
  await call.media.setCameraEnabled(false);
  await call.media.setMicrophoneEnabled(true);
  const [back] = (
    await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } })
  ).getVideoTracks();
  await call.media.replaceTrack('camera', back!);
  const screen = await navigator.mediaDevices.getDisplayMedia({ video: true });
  await call.media.publish(screen, { sources: { video: 'screen' } }); // needs room.self.screenshare
  await call.media.unpublish('screen');
  for (const [memberId, tracks] of call.media.remoteTracks)
    console.log(memberId, [...tracks.keys()]);
  await call.media.stop();
}

// In Node there is no RTCPeerConnection unless one is passed (`media: { RTCPeerConnection }`,
// from @roamhq/wrtc): the session joins, and its media stays idle.
if (typeof globalThis.RTCPeerConnection === 'function' && typeof document === 'object') {
  await controls(await joinCall(process.env.CONCLAVE_URL!, guestToken, document.body));
} else {
  const session = await joinRealtime({ url: process.env.CONCLAVE_URL!, token: guestToken });
  console.log('media available:', session.media.available, 'subscribed:', session.media.subscribed);
  await session.leave();
}
await client.video.conferences.delete(conference.id);
