import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request instead of (or before) passing it on. */
export type Fault =
  { status: number; headers?: Record<string, string> } | { delayMs: number } | { reset: true };

export interface SeenRequest {
  method: string;
  path: string;
  requestId: string | undefined;
  at: number;
}

/**
 * A small HTTP proxy in front of the real server that answers the next requests with the
 * faults queued in it (a 503, a 429 with `Retry-After`, a dropped connection, a slow answer)
 * and passes everything else through untouched.
 */
export class FaultProxy {
  readonly requests: SeenRequest[] = [];
  readonly #faults: Fault[] = [];
  readonly #server: Server;
  readonly #target: string;
  readonly #timers = new Set<NodeJS.Timeout>();
  url = '';

  private constructor(target: string) {
    this.#target = target;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(target: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(target);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    proxy.url = `http://127.0.0.1:${(proxy.#server.address() as AddressInfo).port}`;
    return proxy;
  }

  /** Queues faults for the next requests, in order. */
  inject(...faults: Fault[]): void {
    this.#faults.push(...faults);
  }

  /** Forgets the requests seen and any faults still queued. */
  reset(): void {
    this.requests.length = 0;
    this.#faults.length = 0;
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = req.headers['x-request-id'];
    this.requests.push({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      requestId: typeof requestId === 'string' ? requestId : undefined,
      at: Date.now(),
    });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const fault = this.#faults.shift();
    if (fault && 'reset' in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      res.writeHead(fault.status, {
        'content-type': 'application/json',
        'x-request-id': typeof requestId === 'string' ? requestId : 'from-proxy',
        ...fault.headers,
      });
      res.end(JSON.stringify({ error: `Injected ${fault.status}` }));
      return;
    }
    if (fault && 'delayMs' in fault) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          resolve();
        }, fault.delayMs);
        this.#timers.add(timer);
      });
      if (res.destroyed || req.socket.destroyed) return;
    }
    await this.#forward(req, res, Buffer.concat(chunks));
  }

  async #forward(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (['host', 'connection', 'content-length'].includes(name) || value === undefined) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    try {
      const upstream = await fetch(this.#target + (req.url ?? '/'), {
        method: req.method ?? 'GET',
        headers,
        ...(body.length > 0 ? { body: body.toString('utf8') } : {}),
      });
      const text = Buffer.from(await upstream.arrayBuffer());
      const out: Record<string, string> = {};
      upstream.headers.forEach((value, name) => {
        if (!['content-length', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)) {
          out[name] = value;
        }
      });
      res.writeHead(upstream.status, out);
      res.end(text);
    } catch {
      if (!res.headersSent) res.writeHead(502).end();
    }
  }
}
