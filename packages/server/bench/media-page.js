/* global window, WebSocket, RTCPeerConnection, navigator, performance, setTimeout */
/**
 * The page of `npm run bench -- media` (served to Chromium by the benchmark): a member speaking the
 * raw realtime protocol — join, media.publish of the fake camera (VP8) and microphone (Opus),
 * media.subscribe — or, for the bare baseline, one side of a plain WebRTC call whose signaling the
 * benchmark relays itself. Times are epoch ms (performance.timeOrigin + now), comparable across
 * the pages of one machine.
 */
const now = () => performance.timeOrigin + performance.now();
window.bench = {
  errors: [],
  firstFrame: {},
  tracks: [],
  joinAt: 0,
  me: undefined,
  closed: [],
  marks: {},
};
const mark = (name) => (window.bench.marks[name] ??= now());

async function camera(opts) {
  return navigator.mediaDevices.getUserMedia({
    audio: true,
    video: { width: opts.width, height: opts.height, frameRate: opts.fps },
  });
}

/** Polls the subscribe connection until every video track listed has decoded a frame. */
function watchFirstFrames() {
  if (window.bench.watching) return;
  window.bench.watching = true;
  const tick = async () => {
    const pc = window.pcs && window.pcs.sub;
    if (!pc || pc.signalingState === 'closed') return void (window.bench.watching = false);
    const byMid = new Map(window.bench.tracks.map((t) => [t.mid, t]));
    const report = await pc.getStats();
    const t = now();
    report.forEach((s) => {
      if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
      if (s.packetsReceived > 0) mark('first video packet');
      if (!(s.framesDecoded > 0)) return;
      const track = byMid.get(s.mid);
      if (track && window.bench.firstFrame[track.member_id] === undefined) {
        window.bench.firstFrame[track.member_id] = t;
        mark('first frame');
      }
    });
    const pending = window.bench.tracks.some(
      (x) => x.kind === 'video' && window.bench.firstFrame[x.member_id] === undefined,
    );
    if (pending) setTimeout(tick, 25);
    else window.bench.watching = false;
  };
  setTimeout(tick, 25);
}

/** Joins through Conclave's realtime endpoint, publishes camera + microphone, subscribes. */
window.start = async (wsUrl, token, opts) => {
  const b = window.bench;
  const stream = await camera(opts);
  const ws = new WebSocket(wsUrl);
  window.ws = ws;
  const send = (m) => ws.readyState === 1 && ws.send(JSON.stringify(m));
  let pub;
  let sub;
  /** Fresh publish and subscribe connections (at the start, and after media.closed). */
  const connect = () => {
    pub = new RTCPeerConnection();
    sub = new RTCPeerConnection();
    const [p, q] = [pub, sub];
    window.pcs = { pub, sub };
    p.onconnectionstatechange = () => mark(`pub ${p.connectionState}`);
    q.onconnectionstatechange = () => mark(`sub ${q.connectionState}`);
    q.onicecandidate = (e) =>
      send({
        type: 'media.candidate',
        pc: 'subscribe',
        candidate: e.candidate ? e.candidate.toJSON() : null,
      });
    p.onicecandidate = (e) =>
      send({
        type: 'media.candidate',
        pc: 'publish',
        candidate: e.candidate ? e.candidate.toJSON() : null,
      });
  };
  const publish = async () => {
    for (const t of stream.getTracks()) pub.addTransceiver(t, { direction: 'sendonly' });
    await pub.setLocalDescription(await pub.createOffer());
    const tracks = pub.getTransceivers().map((t) => ({
      mid: t.mid,
      source: t.sender.track.kind === 'audio' ? 'microphone' : 'camera',
    }));
    mark('publish sent');
    send({ type: 'media.publish', id: 'p', sdp: pub.localDescription.sdp, tracks });
    send({ type: 'media.subscribe', id: 's' });
  };
  connect();
  let joined;
  const joinedP = new Promise((r) => (joined = r));
  // One message at a time: an offer must be answered before the next one is applied.
  let queue = Promise.resolve();
  ws.onmessage = (ev) => {
    queue = queue.then(() => handle(JSON.parse(ev.data)));
  };
  const handle = async (m) => {
    try {
      if (m.type === 'joined') {
        b.me = m.member.id;
        mark('joined');
        await publish();
        joined();
      } else if (m.type === 'media.answer') {
        mark('publish answered');
        await pub.setRemoteDescription({ type: 'answer', sdp: m.sdp });
      } else if (m.type === 'media.offer') {
        if (m.tracks.some((t) => t.kind === 'video')) mark('first offer with video');
        b.tracks = m.tracks;
        await sub.setRemoteDescription({ type: 'offer', sdp: m.sdp });
        await sub.setLocalDescription(await sub.createAnswer());
        send({
          type: 'media.answer',
          id: 'a' + Math.random().toString(36).slice(2),
          sdp: sub.localDescription.sdp,
        });
        watchFirstFrames();
      } else if (m.type === 'error') {
        b.errors.push(`${m.code}: ${m.message}`);
      } else if (m.type === 'media.closed') {
        // What a client does: new connections, publish and subscribe again.
        b.closed.push(m.reason);
        pub.close();
        sub.close();
        if (m.reason === 'stopped') return;
        b.recoveries++;
        connect();
        await publish();
      }
    } catch (error) {
      b.errors.push(String(error));
    }
  };
  ws.onclose = (e) => b.closed.push(`ws ${e.code}`);
  await new Promise((r, j) => {
    ws.onopen = r;
    ws.onerror = () => j(new Error('websocket failed'));
  });
  b.joinAt = now();
  send({ type: 'join', token, name: 'bench page' });
  await joinedP;
  return { me: b.me, joinAt: b.joinAt };
};

/** Leaves the conference and closes both connections. */
window.leave = async () => {
  try {
    window.ws.send(JSON.stringify({ type: 'leave', id: 'bye' }));
  } catch {
    // gone already
  }
  await new Promise((r) => setTimeout(r, 100));
  window.pcs.pub.close();
  window.pcs.sub.close();
  window.ws.close();
};

/** Inbound counters of the receiving connection (Conclave: sub; bare: the one pc). */
window.inbound = async () => {
  const pc = window.pcs.sub;
  const byMid = new Map(window.bench.tracks.map((t) => [t.mid, t]));
  const out = [];
  if (pc.signalingState === 'closed') return out;
  const report = await pc.getStats();
  report.forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    const track = byMid.get(s.mid);
    out.push({
      kind: s.kind,
      mid: s.mid,
      member: track ? track.member_id : s.mid,
      framesDecoded: s.framesDecoded || 0,
      packetsReceived: s.packetsReceived || 0,
      packetsLost: s.packetsLost || 0,
      bytesReceived: s.bytesReceived || 0,
    });
  });
  return out;
};

/** Outbound bytes and packets of the publishing connection. */
window.outbound = async () => {
  const pc = window.pcs.pub;
  let packets = 0;
  let bytes = 0;
  if (pc.signalingState === 'closed') return { packets, bytes };
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'outbound-rtp') {
      packets += s.packetsSent || 0;
      bytes += s.bytesSent || 0;
    }
  });
  return { packets, bytes };
};

const gathered = (pc) =>
  pc.iceGatheringState === 'complete'
    ? Promise.resolve()
    : new Promise((r) => {
        pc.addEventListener(
          'icegatheringstatechange',
          () => pc.iceGatheringState === 'complete' && r(),
        );
        setTimeout(r, 3000);
      });

/** Bare baseline, publisher side: the offer with all candidates. */
window.barePublish = async (opts) => {
  const stream = await camera(opts);
  const pc = new RTCPeerConnection();
  window.pcs = { pub: pc, sub: pc };
  for (const t of stream.getTracks()) pc.addTransceiver(t, { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  return pc.localDescription.sdp;
};
window.bareAnswer = async (sdp) => {
  await window.pcs.pub.setRemoteDescription({ type: 'answer', sdp });
};

/** Bare baseline, subscriber side: answers the forwarder's offer. */
window.bareSubscribe = async (sdp) => {
  const pc = new RTCPeerConnection();
  window.pcs = { pub: pc, sub: pc };
  window.bench.tracks = [];
  await pc.setRemoteDescription({ type: 'offer', sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  return pc.localDescription.sdp;
};
