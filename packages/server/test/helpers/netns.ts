import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => existsSync(p));

/** Why network namespaces cannot be made here (not root, no `ip`), or undefined. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  if (!IP) return 'no ip command';
  return undefined;
}

/** One namespace: its name (for `ip netns exec`) and its own address on the test network. */
export interface Namespace {
  name: string;
  address: string;
  /** What `spawnServer` runs the server through. */
  wrap: string[];
}

/**
 * A test network: a bridge in this namespace (address `.1`) and `size` network namespaces, each
 * with its own address on it through a veth pair. `forward(port, to)` makes a service of this
 * namespace's loopback (PostgreSQL, NATS) reachable from the namespaces at the bridge's address.
 */
export class TestNetwork {
  readonly namespaces: Namespace[] = [];
  readonly #servers: Server[] = [];

  private constructor(
    readonly id: string,
    readonly bridge: string,
    readonly gateway: string,
  ) {}

  static async create(size: number): Promise<TestNetwork> {
    const id = randomBytes(3).toString('hex');
    const subnet = `10.${200 + (parseInt(id.slice(0, 2), 16) % 50)}.${parseInt(id.slice(2, 4), 16)}`;
    const network = new TestNetwork(id, `cnb${id}`, `${subnet}.1`);
    const ip = (...args: string[]) => run(IP!, args);
    try {
      await ip('link', 'add', network.bridge, 'type', 'bridge');
      await ip('addr', 'add', `${network.gateway}/24`, 'dev', network.bridge);
      await ip('link', 'set', network.bridge, 'up');
      for (let i = 1; i <= size; i++) {
        const name = `cn${id}${i}`;
        const outside = `cv${id}${i}a`;
        const inside = `cv${id}${i}b`;
        const address = `${subnet}.${10 + i}`;
        await ip('netns', 'add', name);
        network.namespaces.push({ name, address, wrap: [IP!, 'netns', 'exec', name] });
        await ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
        await ip('link', 'set', outside, 'master', network.bridge, 'up');
        await ip('link', 'set', inside, 'netns', name);
        await ip('netns', 'exec', name, IP!, 'addr', 'add', `${address}/24`, 'dev', inside);
        await ip('netns', 'exec', name, IP!, 'link', 'set', inside, 'up');
        await ip('netns', 'exec', name, IP!, 'link', 'set', 'lo', 'up');
      }
    } catch (error) {
      await network.destroy();
      throw error;
    }
    return network;
  }

  /** Listens on the bridge's address at `port` and relays each connection to `to` here. */
  async forward(port: number, to: { host: string; port: number }): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect(to.port, to.host);
      inbound.pipe(outbound).pipe(inbound);
      const end = () => {
        inbound.destroy();
        outbound.destroy();
      };
      inbound.on('error', end);
      outbound.on('error', end);
      inbound.on('close', end);
      outbound.on('close', end);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.gateway, () => resolve());
    });
    this.#servers.push(server);
  }

  /** Removes the namespaces (their veth pairs go with them), the bridge and the relays. */
  async destroy(): Promise<void> {
    for (const server of this.#servers) server.close();
    for (const ns of this.namespaces) await run(IP!, ['netns', 'del', ns.name]).catch(() => {});
    await run(IP!, ['link', 'del', this.bridge]).catch(() => {});
  }
}
