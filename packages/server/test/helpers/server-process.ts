import { spawn, type ChildProcess } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const serverRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The status of a GET over HTTPS, trusting any certificate (the test's own self-signed one). */
function httpsStatus(url: string): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    httpsGet(url, { rejectUnauthorized: false }, (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? 0);
    }).once('error', reject);
  });
}

/**
 * Runs `src/main.ts` — what `npm start` runs — as its own process, and waits until it is ready.
 * `wrap` runs it through a command (e.g. `ip netns exec <ns>`); it is then reached at `HOST`.
 */
export async function spawnServer(
  env: Record<string, string>,
  options: { wrap?: string[] } = {},
): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const [command, ...prefix] = [...(options.wrap ?? []), process.execPath];
  const child = spawn(
    command!,
    [...prefix, '--conditions=source', '--import', 'tsx', resolve(serverRoot, 'src/main.ts')],
    {
      cwd: serverRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        LOG_LEVEL: 'warn',
        CONCLAVE_RATE_LIMIT: '0',
        ...env,
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const tls = Boolean(env.CONCLAVE_TLS_CERT && env.CONCLAVE_TLS_KEY);
  const host = options.wrap && env.HOST ? env.HOST : '127.0.0.1';
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  // Generous: three nodes starting at once on a loaded 2-core machine took over 20 s.
  const deadline = Date.now() + 60_000;
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  for (;;) {
    if (exitedEarly) throw new Error(`server exited early:\n${out}\n${err}`);
    try {
      const status = tls
        ? await httpsStatus(`${url}/readyz`)
        : (await fetch(`${url}/readyz`)).status;
      if (status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become ready:\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, stdout: () => out, stderr: () => err, exited };
}
