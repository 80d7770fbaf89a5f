import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SERVER_DIR } from './args.js';

export interface MediaOptions {
  /** Members per conference of the sized runs (each sees all others). */
  sizes: number[];
  /** Measured seconds of every window. */
  duration: number;
  /** Unmeasured seconds after every stream decodes, before the window. */
  settle: number;
  /** Milliseconds between two members' joins. */
  joinGap: number;
  /** Seconds a run waits for every stream to decode. */
  decodeTimeout: number;
  width: number;
  height: number;
  fps: number;
  /** The fake camera's picture: moving noise from a Y4M file, or Chromium's built-in pattern. */
  video: 'noise' | 'builtin';
  /** Stable members of the churn run (0 skips it), and its seconds of joins and leaves. */
  churnMembers: number;
  churnSeconds: number;
  /** Members per conference of the two-sessions run (0 skips it). */
  twoMembers: number;
  /** Call members of the outputs run (one recording, one stream; 0 skips it). */
  outputsMembers: number;
  bare: boolean;
  build: boolean;
  chromium: string;
  serverDir: string;
  serverEnv: Record<string, string>;
  json: string | undefined;
  strict: boolean;
}

export const MEDIA_HELP = `npm run bench -- media [flags]

  --sizes <list>         members per conference, each run on its own (default 2,4,6,8)
  --duration <s>         measured seconds of every window (default 10)
  --settle <s>           seconds after every stream decodes, before a window (default 3)
  --join-gap <ms>        between two members' joins (default 1000)
  --decode-timeout <s>   how long a run waits for every stream to decode (default 30)
  --width, --height, --fps  the fake camera (default 320x240 at 15 fps)
  --video <noise|builtin>  the camera's picture: moving noise played from a Y4M file, which VP8
                         encodes at a camera-like bitrate (default), or Chromium's built-in
                         pattern (~100 kbit/s)
  --churn <n>            stable members of the churn run: they keep decoding while another
                         member joins and leaves again and again (default 6; 0 skips it)
  --churn-seconds <s>    length of the churn run (default 30)
  --two <n>              members in each of the two concurrent conferences (default 3; 0 skips)
  --outputs <n>          members of the outputs run: the CPU of one recording and one stream
                         (ffmpeg's included) beside the session alone (default 4; 0 skips)
  --no-bare              skip the bare werift forwarder baseline
  --no-build             do not run \`tsc -b\` on the server first
  --chromium <path>      the browser (default /usr/bin/chromium)
  --server-dir <dir>     the server package to run (its dist/main.js), default packages/server
  --server-env K=V       extra environment for the server (repeatable)
  --json <file>          also write the results as JSON
  --strict               exit 1 when a target is missed
  --help

  Smoke run: npm run bench -- media --sizes 2 --duration 2 --settle 1 --churn 0 --two 0
`;

function num(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
  return n;
}

export function parseMediaArgs(argv: string[]): MediaOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowNegative: true,
    options: {
      sizes: { type: 'string' },
      duration: { type: 'string' },
      settle: { type: 'string' },
      'join-gap': { type: 'string' },
      'decode-timeout': { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      fps: { type: 'string' },
      video: { type: 'string' },
      churn: { type: 'string' },
      'churn-seconds': { type: 'string' },
      two: { type: 'string' },
      outputs: { type: 'string' },
      bare: { type: 'boolean', default: true },
      build: { type: 'boolean', default: true },
      chromium: { type: 'string' },
      'server-dir': { type: 'string' },
      'server-env': { type: 'string', multiple: true },
      json: { type: 'string' },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(MEDIA_HELP);
    process.exit(0);
  }
  const sizes = (values.sizes ?? '2,4,6,8')
    .split(',')
    .filter(Boolean)
    .map((s) => num('sizes', s, 2, 2));
  const serverEnv: Record<string, string> = {};
  for (const kv of values['server-env'] ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`--server-env takes KEY=VALUE, got ${kv}`);
    serverEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  if (values.video !== undefined && !['noise', 'builtin'].includes(values.video))
    throw new Error('--video is noise or builtin');
  const churnMembers = num('churn', values.churn, 6, 0);
  const twoMembers = num('two', values.two, 3, 0);
  const outputsMembers = num('outputs', values.outputs, 4, 0);
  if (outputsMembers === 1) throw new Error('--outputs is 0 or at least 2');
  if (churnMembers === 1) throw new Error('--churn is 0 or at least 2');
  if (twoMembers === 1) throw new Error('--two is 0 or at least 2');
  return {
    sizes,
    duration: num('duration', values.duration, 10),
    settle: num('settle', values.settle, 3, 0),
    joinGap: num('join-gap', values['join-gap'], 1000, 0),
    decodeTimeout: num('decode-timeout', values['decode-timeout'], 30),
    width: num('width', values.width, 320),
    height: num('height', values.height, 240),
    fps: num('fps', values.fps, 15),
    video: values.video === 'builtin' ? 'builtin' : 'noise',
    churnMembers,
    churnSeconds: num('churn-seconds', values['churn-seconds'], 30),
    twoMembers,
    outputsMembers,
    bare: values.bare,
    build: values.build,
    chromium: values.chromium ?? '/usr/bin/chromium',
    serverDir: values['server-dir'] ? resolve(values['server-dir']) : SERVER_DIR,
    serverEnv,
    json: values.json,
    strict: values.strict,
  };
}
