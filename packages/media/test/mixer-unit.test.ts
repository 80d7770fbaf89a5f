import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { emptyCounts } from '../src/media-types.js';
import { AudioMixer, FRAME_SAMPLES } from '../src/worker/audio-mixer.js';
import { OpusDecoder, OpusEncoder } from '../src/worker/opus-codec.js';
import { stubProducer, stubSender } from './fixtures/mixer-stubs.js';

/** The amplitude of `frequency` in 48 kHz samples (Goertzel). */
function tone(samples: Int16Array, frequency: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / 48_000);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - coefficient * s1 * s2))) / samples.length;
}

/** Frame `f` of a sine of `frequency` at `amplitude`. */
function sine(frequency: number, f: number, amplitude = 8000): Int16Array {
  const out = new Int16Array(FRAME_SAMPLES);
  for (let i = 0; i < FRAME_SAMPLES; i++) {
    out[i] = Math.round(
      amplitude * Math.sin((2 * Math.PI * frequency * (f * FRAME_SAMPLES + i)) / 48_000),
    );
  }
  return out;
}

/** Decodes what a stub sender was sent, frames in order. */
function heard(packets: { payload: Buffer }[]): Int16Array {
  const decoder = new OpusDecoder();
  const out = new Int16Array(packets.length * FRAME_SAMPLES);
  packets.forEach((p, i) => out.set(decoder.decode(p.payload), i * FRAME_SAMPLES));
  decoder.delete();
  return out;
}

const mixers: AudioMixer[] = [];
afterEach(() => {
  for (const mixer of mixers.splice(0)) mixer.close();
});

/** A mixer over members with stub microphones (each with its own encoder) and stub senders. */
function room(ids: string[]) {
  const counts = emptyCounts();
  const mixer = new AudioMixer(counts);
  mixers.push(mixer);
  const members = ids.map((id) => ({
    id,
    deaf: false,
    ...stubProducer(id),
    ...stubSender(),
    encoder: new OpusEncoder(FRAME_SAMPLES),
  }));
  const sync = () =>
    mixer.sync(
      members.map((m) => m.producer),
      members.map((m) => ({ memberId: m.id, sender: m.sender, deaf: m.deaf })),
    );
  sync();
  return { counts, mixer, members, sync };
}

describe('opus codec (opusscript wasm, called directly)', () => {
  it('round-trips with many coders alive at once, and frees them', () => {
    const pairs = Array.from({ length: 48 }, () => ({
      encoder: new OpusEncoder(FRAME_SAMPLES),
      decoder: new OpusDecoder(),
    }));
    for (let f = 0; f < 20; f++) {
      pairs.forEach(({ encoder, decoder }, k) => {
        const out = decoder.decode(encoder.encode(sine(300 + 20 * k, f)));
        assert.equal(out.length, FRAME_SAMPLES);
        if (f >= 10) {
          const amplitude = tone(out, 300 + 20 * k);
          assert.ok(amplitude > 6000 && amplitude < 10000, `pair ${k}: ${amplitude}`);
        }
      });
    }
    for (const { encoder, decoder } of pairs) {
      encoder.delete();
      decoder.delete();
    }
  });

  it('refuses what is not a packet', () => {
    const decoder = new OpusDecoder();
    assert.throws(() => decoder.decode(Buffer.alloc(0)), /not a packet/);
    decoder.delete();
  });
});

describe('AudioMixer', () => {
  it('sends each member everyone else, not itself', () => {
    const { counts, mixer, members } = room(['a', 'b', 'c']);
    const [a, b, c] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
    for (let f = 0; f < 25; f++) {
      a.deliver(a.encoder.encode(sine(440, f)));
      b.deliver(b.encoder.encode(sine(1000, f)));
      c.deliver(c.encoder.encode(new Int16Array(FRAME_SAMPLES)));
      for (const [receiver, payload] of mixer.mixFrame()) receiver.send(payload);
    }
    assert.equal(counts.mixedFrames, 75);
    const tail = (m: typeof a) => heard(m.sent).subarray(10 * FRAME_SAMPLES);
    assert.ok(tone(tail(a), 1000) > 5000 && tone(tail(a), 440) < 500, 'A hears B, not itself');
    assert.ok(tone(tail(b), 440) > 5000 && tone(tail(b), 1000) < 500, 'B hears A, not itself');
    assert.ok(tone(tail(c), 440) > 5000 && tone(tail(c), 1000) > 5000, 'C hears both');
  });

  it('numbers its own RTP: sequence +1, timestamp +960 a frame, marker after a pause', () => {
    const { mixer, members } = room(['a', 'b']);
    const [a, b] = members as [(typeof members)[0], (typeof members)[0]];
    const frame = (speak: boolean, f: number) => {
      if (speak) a.deliver(a.encoder.encode(sine(440, f)));
      for (const [receiver, payload] of mixer.mixFrame()) receiver.send(payload);
    };
    frame(true, 0);
    frame(true, 1);
    frame(false, 2); // nothing to hear: nothing sent, time goes on
    frame(true, 3);
    assert.equal(a.sent.length, 0, 'A is sent nothing: only its own voice was there');
    const headers = b.sent.map((p) => p.header);
    assert.equal(headers.length, 3);
    assert.equal(headers[1]!.sequenceNumber, (headers[0]!.sequenceNumber + 1) & 0xffff);
    assert.equal(headers[2]!.sequenceNumber, (headers[1]!.sequenceNumber + 1) & 0xffff);
    assert.equal(headers[1]!.timestamp, (headers[0]!.timestamp + 960) >>> 0);
    assert.equal(headers[2]!.timestamp, (headers[1]!.timestamp + 2 * 960) >>> 0);
    assert.deepEqual(
      headers.map((h) => h.marker),
      [true, false, true],
    );
    assert.equal(headers[0]!.payloadType, 111);
  });

  it('keeps at most three packets a source, dropping the oldest; a missing one is silence', () => {
    const { mixer, members } = room(['a', 'b']);
    const [a, b] = members as [(typeof members)[0], (typeof members)[0]];
    for (let f = 0; f < 5; f++) a.deliver(a.encoder.encode(sine(440, f)));
    let sent = 0;
    for (let f = 0; f < 5; f++) {
      for (const [receiver, payload] of mixer.mixFrame()) {
        receiver.send(payload);
        sent++;
      }
    }
    assert.equal(sent, 3, 'the three newest packets, one a frame, then nothing');
    assert.equal(b.sent.length, 3);
  });

  it('leaves out muted sources, sends nothing to the deaf, decodes no one for nobody', () => {
    const { counts, mixer, members, sync } = room(['a', 'b', 'c']);
    const [a, b, c] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
    b.state.muted = true;
    c.deaf = true;
    sync();
    for (let f = 0; f < 20; f++) {
      a.deliver(a.encoder.encode(sine(440, f)));
      b.deliver(b.encoder.encode(sine(1000, f)));
      for (const [receiver, payload] of mixer.mixFrame()) receiver.send(payload);
    }
    assert.equal(c.sent.length, 0, 'deaf C is sent nothing');
    assert.equal(a.sent.length, 0, 'A hears only muted B: nothing');
    const atB = heard(b.sent).subarray(10 * FRAME_SAMPLES);
    assert.ok(tone(atB, 440) > 5000, 'B hears A');
    assert.equal(counts.mixedFrames, 20);
    // With only A's own call left, nothing needs decoding and nothing is sent.
    const alone = room(['a']);
    const [solo] = alone.members as [(typeof members)[0]];
    for (let f = 0; f < 5; f++) {
      solo.deliver(solo.encoder.encode(sine(440, f)));
      assert.deepEqual(alone.mixer.mixFrame(), []);
    }
    assert.equal(alone.counts.mixedFrames, 0);
  });

  it('scales down a mix louder than full scale instead of wrapping it', () => {
    const { mixer, members } = room(['a', 'b', 'c']);
    const [a, b, c] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
    for (let f = 0; f < 20; f++) {
      // Two loud sources in phase: their sum is about 1.8 × full scale.
      a.deliver(a.encoder.encode(sine(500, f, 30_000)));
      b.deliver(b.encoder.encode(sine(500, f, 30_000)));
      for (const [receiver, payload] of mixer.mixFrame()) receiver.send(payload);
    }
    const atC = heard(c.sent).subarray(10 * FRAME_SAMPLES);
    const amplitude = tone(atC, 500);
    assert.ok(amplitude > 25_000 && amplitude < 33_500, `a clean loud tone: ${amplitude}`);
    // Wrapped samples would spread energy over the spectrum: the tone holds nearly all of it.
    let energy = 0;
    for (const x of atC) energy += x * x;
    const rms = Math.sqrt(energy / atC.length);
    assert.ok(amplitude / Math.SQRT2 / rms > 0.95, `pure: ${amplitude / Math.SQRT2 / rms}`);
  });
});
