/** Server-side helpers of `npm run bench -- sessions`: REST setup, memory readings, GC. */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { pool } from './sessions-client.js';

export interface ConferenceTokens {
  id: string;
  token: string;
}

async function call(
  origin: string,
  auth: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(origin + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: auth,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path} → ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Creates `n` conferences through the REST API and reads the Guest token of each. */
export async function createConferences(
  origin: string,
  auth: string,
  n: number,
  size: 'medium' | 'large',
  prefix: string,
): Promise<ConferenceTokens[]> {
  const out: ConferenceTokens[] = new Array<ConferenceTokens>(n);
  await pool(n, 8, async (i) => {
    const c = await call(origin, auth, '/api/video/conferences', {
      name: `${prefix}-${i}`,
      display_name: `Bench conference ${i}`,
      size,
      enable_chat: true,
    });
    const id = c.id as string;
    const t = await call(origin, auth, `/api/video/conferences/${id}/conference_tokens`);
    const tokens = t.data as { name: string; token: string }[];
    const guest = tokens.find((x) => x.name === 'Guest') ?? tokens[0];
    if (!guest) throw new Error(`conference ${id} has no token`);
    out[i] = { id, token: guest.token };
  });
  return out;
}

/** VmRSS of a process, KB (0 when it is gone). */
export function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Median of a few RSS readings over ~1 s (the reading moves as buffers come and go). */
export async function steadyRssKb(pid: number): Promise<number> {
  const v: number[] = [];
  for (let i = 0; i < 5; i++) {
    v.push(rssKb(pid));
    await new Promise((r) => setTimeout(r, 200));
  }
  return v.sort((a, b) => a - b)[2]!;
}

/**
 * Through the server's inspector (started with `--inspect` in NODE_OPTIONS, no server code
 * involved): a full GC, then the V8 heap's used size in bytes. Undefined when unreachable.
 */
export async function inspectorGc(port: number): Promise<number | undefined> {
  let url: string | undefined;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/json/list`);
    const list = (await res.json()) as { webSocketDebuggerUrl?: string }[];
    url = list[0]?.webSocketDebuggerUrl;
  } catch {
    return undefined;
  }
  if (!url) return undefined;
  const ws = new WebSocket(url, { perMessageDeflate: false });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    let id = 0;
    const pending = new Map<number, (r: Record<string, unknown>) => void>();
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as {
        id?: number;
        result?: Record<string, unknown>;
      };
      if (msg.id !== undefined) pending.get(msg.id)?.(msg.result ?? {});
    });
    const send = (method: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const my = ++id;
        const timer = setTimeout(() => reject(new Error(`${method} timed out`)), 30_000);
        pending.set(my, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
        ws.send(JSON.stringify({ id: my, method }));
      });
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.collectGarbage');
    const usage = await send('Runtime.getHeapUsage');
    return typeof usage.usedSize === 'number' ? usage.usedSize : undefined;
  } catch {
    return undefined;
  } finally {
    ws.terminate();
  }
}
