import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIceServers, parseMediaConfig } from '../src/media-config.js';
import { checkCandidate, checkSdp, MediaInputError } from '../src/sdp-guard.js';
import { isH264Keyframe, isVp8Keyframe, KeyframeLimiter } from '../src/worker/keyframes.js';
import { announcedOnly, withoutReceiveOnlySsrcs } from '../src/worker/peer-config.js';

const SDP = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:0123456789012345678901',
  'a=fingerprint:sha-256 AA:BB',
  'a=setup:actpass',
  'a=mid:0',
  'a=sendonly',
  'a=candidate:1 1 udp 2113937151 127.0.0.1 50000 typ host',
  'a=candidate:2 1 udp 2113937151 192.0.2.2 50001 typ host',
  'a=rtpmap:111 opus/48000/2',
  '',
].join('\r\n');

describe('sdp-guard', () => {
  it('accepts a WebRTC description', () => {
    checkSdp(SDP, 'offer');
  });
  it('refuses what is not one, with a reason', () => {
    const bad: [string, RegExp][] = [
      ['hello', /not an SDP/],
      ['v=0\r\nm=foo 9 x\r\n', /unsupported media section/],
      [`v=0\r\na=${'x'.repeat(5000)}\r\n`, /over 4096/],
      ['v=0\r\nX=1\r\n', /malformed line/],
      [SDP.replace('a=fingerprint:sha-256 AA:BB\r\n', ''), /no DTLS fingerprint/],
      [SDP.replace('a=ice-ufrag:abcd\r\n', ''), /no ICE credentials/],
      ['v=0\r\na=x\r\n', /no media/],
    ];
    for (const [sdp, reason] of bad) {
      assert.throws(
        () => checkSdp(sdp, 'offer'),
        (e: unknown) => e instanceof MediaInputError && reason.test(e.message),
        sdp.slice(0, 30),
      );
    }
    const many = SDP + 'm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'.repeat(9);
    assert.throws(() => checkSdp(many, 'offer', 8), /too many media sections/);
  });
  it('checks candidates field by field; mDNS names pass', () => {
    checkCandidate('candidate:1 1 udp 2113937151 127.0.0.1 50000 typ host');
    checkCandidate(
      'candidate:842163049 1 udp 1677729535 abcd-1234.local 55000 typ srflx raddr 0.0.0.0 rport 0',
    );
    for (const c of [
      '1 1 udp 1 127.0.0.1 9 typ host',
      'candidate:1 1 udp 1 evil.example.com 9 typ host',
      'candidate:1 3 udp 1 127.0.0.1 9 typ host',
      'candidate:1 1 sctp 1 127.0.0.1 9 typ host',
      'candidate:1 1 udp 1 127.0.0.1 70000 typ host',
      'candidate:1 1 udp 1 127.0.0.1 9 type host',
      'candidate:x y z',
    ]) {
      assert.throws(() => checkCandidate(c), MediaInputError, c);
    }
  });
});

describe('keyframes', () => {
  it('recognises VP8 keyframes, with and without the extended descriptor', () => {
    assert.equal(isVp8Keyframe(Buffer.from([0x10, 0x00])), true);
    assert.equal(isVp8Keyframe(Buffer.from([0x10, 0x01])), false);
    assert.equal(isVp8Keyframe(Buffer.from([0x00, 0x00])), false, 'not the start of a frame');
    // X=1, I=1 with a 15-bit picture id (M=1), then the payload header.
    assert.equal(isVp8Keyframe(Buffer.from([0x90, 0x80, 0x81, 0x23, 0x00])), true);
    assert.equal(isVp8Keyframe(Buffer.from([0x90, 0x80, 0x81, 0x23, 0x01])), false);
    // X=1 with I, L, T/K: picture id (7-bit), TL0PICIDX, TID/KEYIDX.
    assert.equal(isVp8Keyframe(Buffer.from([0x90, 0xe0, 0x05, 0x01, 0x20, 0x00])), true);
    assert.equal(isVp8Keyframe(Buffer.from([])), false);
  });
  it('recognises H.264 IDR slices, SPS, STAP-A and FU-A starts', () => {
    assert.equal(isH264Keyframe(Buffer.from([0x65])), true);
    assert.equal(isH264Keyframe(Buffer.from([0x67])), true);
    assert.equal(isH264Keyframe(Buffer.from([0x41])), false);
    assert.equal(isH264Keyframe(Buffer.from([0x78, 0x00, 0x01, 0x67, 0x00, 0x01, 0x68])), true);
    assert.equal(isH264Keyframe(Buffer.from([0x7c, 0x85])), true);
    assert.equal(isH264Keyframe(Buffer.from([0x7c, 0x05])), false, 'not the first fragment');
  });
  it('passes at most one request per interval to the publisher, merging the rest', async () => {
    let sent = 0;
    const limiter = new KeyframeLimiter(200, () => sent++);
    for (let i = 0; i < 50; i++) limiter.request();
    assert.equal(sent, 1, 'the first goes at once');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sent, 2, 'the other 49 became one');
    assert.equal(limiter.asked, 50);
    limiter.close();
  });
});

describe('media configuration', () => {
  it('announces the listen address, loopback for loopback', () => {
    assert.deepEqual(parseMediaConfig({}, '127.0.0.1').addresses, ['127.0.0.1']);
    assert.deepEqual(parseMediaConfig({}, '10.1.2.3').addresses, ['10.1.2.3']);
    const c = parseMediaConfig(
      {
        CONCLAVE_MEDIA_ADDRESSES: '192.0.2.7',
        CONCLAVE_MEDIA_PUBLIC_IP: '198.51.100.1',
        CONCLAVE_MEDIA_PORTS: '40000-40099',
        CONCLAVE_MEDIA_WORKERS: '3',
      },
      '0.0.0.0',
    );
    assert.deepEqual(c.addresses, ['192.0.2.7', '198.51.100.1']);
    assert.deepEqual(c.portRange, [40000, 40099]);
    assert.equal(c.workers, 3);
    assert.equal(parseMediaConfig({ CONCLAVE_MEDIA: 'off' }, '127.0.0.1').enabled, false);
  });
  it('refuses unusable values with the variable named', () => {
    for (const [env, name] of [
      [{ CONCLAVE_MEDIA: 'maybe' }, /CONCLAVE_MEDIA /],
      [{ CONCLAVE_MEDIA_WORKERS: '0' }, /CONCLAVE_MEDIA_WORKERS/],
      [{ CONCLAVE_MEDIA_ADDRESSES: 'example.com' }, /CONCLAVE_MEDIA_ADDRESSES/],
      [{ CONCLAVE_MEDIA_PUBLIC_IP: 'x' }, /CONCLAVE_MEDIA_PUBLIC_IP/],
      [{ CONCLAVE_MEDIA_PORTS: '100-200' }, /CONCLAVE_MEDIA_PORTS/],
      [{ CONCLAVE_ICE_SERVERS: 'http://x' }, /CONCLAVE_ICE_SERVERS/],
    ] as const) {
      assert.throws(() => parseMediaConfig(env, '127.0.0.1'), name);
    }
  });
  it('reads ICE servers as JSON or as a URL list', () => {
    assert.deepEqual(parseIceServers('stun:stun.example.com:3478, turn:turn.example.com'), [
      { urls: 'stun:stun.example.com:3478' },
      { urls: 'turn:turn.example.com' },
    ]);
    assert.deepEqual(
      parseIceServers('[{"urls":["turn:t.example.com"],"username":"u","credential":"c"}]'),
      [{ urls: ['turn:t.example.com'], username: 'u', credential: 'c' }],
    );
    assert.throws(() => parseIceServers('[{"urls":"http://x"}]'), /urls/);
    assert.throws(() => parseIceServers('[oops'), /JSON/);
  });
});

describe('SDP the server sends', () => {
  it('keeps only candidates on announced addresses', () => {
    const out = announcedOnly(SDP, ['127.0.0.1']);
    assert.match(out, /127\.0\.0\.1 50000/);
    assert.doesNotMatch(out, /192\.0\.2\.2/);
  });
  it('drops SSRC lines of receive-only sections only', () => {
    const sdp = [
      'v=0',
      'm=audio 9 X 111',
      'a=recvonly',
      'a=ssrc:1 cname:x',
      'a=ssrc-group:FID 1 2',
      'm=video 9 X 96',
      'a=sendonly',
      'a=ssrc:3 cname:x',
      '',
    ].join('\r\n');
    const out = withoutReceiveOnlySsrcs(sdp);
    assert.doesNotMatch(out, /a=ssrc:1|ssrc-group/);
    assert.match(out, /a=ssrc:3 cname:x/);
    assert.match(out, /m=video 9 X 96/);
  });
});
