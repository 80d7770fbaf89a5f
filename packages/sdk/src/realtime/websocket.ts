import { baseUrlFromHost } from '../internal/base-url.js';
import { REALTIME_PATH } from './constants.js';

/**
 * The part of the W3C `WebSocket` the realtime client uses; the browsers', Node 22's global one
 * and the `ws` package's all have it.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(
    type: 'open' | 'message' | 'close' | 'error',
    // `any`: each implementation types its events its own way (DOM `Event`s, `ws`'s own classes).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    listener: (event: any) => void,
  ): void;
}

/** A `WebSocket` class: `globalThis.WebSocket`, `ws`'s `WebSocket`, or your own. */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
) => WebSocketLike;

/**
 * The realtime endpoint's URL: a `ws(s)://` URL is kept (with `/api/video/realtime` appended
 * unless it already ends so); an `http(s)://` base URL or a bare host (as `RestClient` takes it)
 * becomes `ws(s)://…/api/video/realtime`, any path prefix kept.
 */
export function realtimeUrl(base: string): string {
  const trimmed = base.trim();
  let root: string;
  if (/^wss?:\/\//i.test(trimmed)) {
    const url = new URL(trimmed);
    const path = url.pathname.replace(/\/+$/, '');
    if (path.endsWith(REALTIME_PATH)) return `${url.origin}${path}${url.search}`;
    root = `${url.origin}${path}`;
  } else {
    root = baseUrlFromHost(trimmed).replace(/^http/i, 'ws');
  }
  return `${root}${REALTIME_PATH}`;
}

/** Loads a module by a name the bundlers leave alone (so a browser bundle never includes `ws`). */
function importByName(name: string): Promise<Record<string, unknown>> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ name) as Promise<
    Record<string, unknown>
  >;
}

/** `explicit`, else `globalThis.WebSocket` (browsers, Deno, Bun, Node 22+), else `ws` (Node 20). */
export async function resolveWebSocket(
  explicit: WebSocketConstructor | undefined,
): Promise<WebSocketConstructor> {
  if (explicit) return explicit;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof global === 'function') return global;
  let module: Record<string, unknown>;
  try {
    module = await importByName('ws');
  } catch (error) {
    throw new Error(
      'no WebSocket implementation: this runtime has no globalThis.WebSocket and the `ws` ' +
        'package could not be loaded; pass one as the `WebSocket` option',
      { cause: error },
    );
  }
  const found = module.WebSocket ?? module.default;
  if (typeof found !== 'function') throw new Error('the `ws` package exports no WebSocket class');
  return found as WebSocketConstructor;
}
