import autocannon, { type Request, type Result } from 'autocannon';

export interface LoadSpec {
  /** `http://127.0.0.1:port` */
  origin: string;
  /** One request, or a sequence each connection cycles through. */
  requests: Request[];
}

export interface LoadResult {
  /** 2xx responses per second over the measured window. */
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  ok: number;
  /** Non-2xx responses, connection errors and timeouts. */
  failed: number;
  statusCodes: Record<string, number>;
  seconds: number;
}

/** Drives one server with autocannon (in a worker thread) for `seconds`. */
export async function drive(
  spec: LoadSpec,
  options: { connections: number; seconds: number },
): Promise<LoadResult> {
  const result: Result = await autocannon({
    url: spec.origin,
    connections: options.connections,
    duration: options.seconds,
    workers: 1,
    timeout: 10,
    requests: spec.requests,
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(result.statusCodeStats)) statusCodes[code] = s.count;
  return {
    rps: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.latency.totalCount,
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
    statusCodes,
    seconds: result.duration,
  };
}

/** Several autocannon instances at once (one per server), summed. */
export async function driveTogether(
  specs: LoadSpec[],
  options: { connections: number; seconds: number },
): Promise<{ combined: LoadResult; each: LoadResult[] }> {
  const each = await Promise.all(specs.map((s) => drive(s, options)));
  const statusCodes: Record<string, number> = {};
  for (const r of each) {
    for (const [code, n] of Object.entries(r.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + n;
  }
  return {
    each,
    combined: {
      rps: each.reduce((a, r) => a + r.rps, 0),
      // Percentiles do not add up; report the worse of the two.
      p50: Math.max(...each.map((r) => r.p50)),
      p99: Math.max(...each.map((r) => r.p99)),
      requests: each.reduce((a, r) => a + r.requests, 0),
      ok: each.reduce((a, r) => a + r.ok, 0),
      failed: each.reduce((a, r) => a + r.failed, 0),
      statusCodes,
      seconds: Math.max(...each.map((r) => r.seconds)),
    },
  };
}
