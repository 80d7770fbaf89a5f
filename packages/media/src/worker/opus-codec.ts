/**
 * Opus encoding and decoding (48 kHz mono, 16-bit samples) with opusscript's wasm build of
 * libopus, called directly. opusscript's own JS wrapper (0.1.1) is not used: its PCM views begin
 * at twice the address it allocated (a byte address used as a 16-bit index), so each encode and
 * decode writes outside its buffers, and with a few coders alive the wasm heap is corrupted (seen
 * here: `delete()` crashing with "memory access out of bounds").
 *
 * One wasm instance per thread, loaded on first use; a coder's memory is its own until `delete()`.
 */
import { createRequire } from 'node:module';

export const SAMPLE_RATE = 48_000;
/** The longest Opus packet (120 ms at 48 kHz), in samples. */
export const MAX_PACKET_SAMPLES = 5760;
const MAX_PACKET_BYTES = 1276 * 3;
const APPLICATION_VOIP = 2048;

interface Handler {
  /** Packs `bytes` byte-per-slot values into 16-bit samples in place, then encodes. */
  _encode(input: number, bytes: number, output: number, frameSize: number): number;
  /** Decodes, writing each sample's low and high byte into two 16-bit slots. */
  _decode(input: number, bytes: number, output: number): number;
}
interface Native {
  HEAPU8: Uint8Array;
  HEAP16: Int16Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  OpusScriptHandler: {
    new (sampleRate: number, channels: number, application: number): Handler;
    destroy_handler(handler: Handler): void;
  };
}

let native: Native | undefined;
function load(): Native {
  native ??= (
    createRequire(import.meta.url)('opusscript/build/opusscript_native_wasm.js') as () => Native
  )();
  return native;
}

abstract class Coder {
  protected readonly native = load();
  protected readonly handler = new this.native.OpusScriptHandler(SAMPLE_RATE, 1, APPLICATION_VOIP);
  protected readonly buffers: number[] = [];
  #deleted = false;

  protected allocate(bytes: number): number {
    const pointer = this.native._malloc(bytes);
    if (!pointer) throw new Error('opus: out of memory');
    this.buffers.push(pointer);
    return pointer;
  }

  /** Frees its memory; it is unusable after. */
  delete(): void {
    if (this.#deleted) return;
    this.#deleted = true;
    this.native.OpusScriptHandler.destroy_handler(this.handler);
    for (const pointer of this.buffers.splice(0)) this.native._free(pointer);
  }
}

export class OpusEncoder extends Coder {
  readonly #pcm: number;
  readonly #out: number;

  constructor(readonly frameSamples: number) {
    super();
    this.#pcm = this.allocate(frameSamples * 2);
    this.#out = this.allocate(MAX_PACKET_BYTES);
  }

  /** One frame of `frameSamples` samples, as one Opus packet. */
  encode(samples: Int16Array): Buffer {
    const n = this.native;
    n.HEAP16.set(samples.subarray(0, this.frameSamples), this.#pcm >> 1);
    // 0 bytes to unpack: the samples are written as 16-bit values already.
    const length = this.handler._encode(this.#pcm, 0, this.#out, this.frameSamples);
    if (length < 0) throw new Error(`opus: encode failed (${length})`);
    return Buffer.from(n.HEAPU8.subarray(this.#out, this.#out + length));
  }
}

export class OpusDecoder extends Coder {
  readonly #in = this.allocate(MAX_PACKET_BYTES);
  /** Four bytes per sample: see `Handler._decode`. */
  readonly #out = this.allocate(MAX_PACKET_SAMPLES * 4);
  readonly #samples = new Int16Array(MAX_PACKET_SAMPLES);

  /** The samples of one packet (a view valid until the next call). */
  decode(packet: Buffer): Int16Array {
    if (packet.length === 0 || packet.length > MAX_PACKET_BYTES) {
      throw new Error('opus: not a packet');
    }
    const n = this.native;
    n.HEAPU8.set(packet, this.#in);
    const length = this.handler._decode(this.#in, packet.length, this.#out);
    if (length < 0) throw new Error(`opus: decode failed (${length})`);
    const heap = n.HEAPU8;
    const out = this.#samples.subarray(0, length);
    for (let i = 0, at = this.#out; i < length; i++, at += 4) {
      out[i] = ((heap[at]! | (heap[at + 2]! << 8)) << 16) >> 16;
    }
    return out;
  }
}
