import { REALTIME_PATH, type ServerMessage } from '@conclave/schema';
import WebSocket from 'ws';

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/** A simulated member: a raw `ws` client speaking the realtime protocol, for tests. */
export class TestMember {
  readonly received: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: { match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  #seq = 0;
  joined: Of<'joined'> | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      if (message.type === 'joined') this.joined = message;
      this.deliver(message);
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  static async connect(baseUrl: string): Promise<TestMember> {
    const socket = new WebSocket(baseUrl.replace(/^http/, 'ws') + REALTIME_PATH);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new TestMember(socket);
  }

  /**
   * Connects and joins; resolves with `joined`, or rejects with the close code and reason (and
   * the `refused` frame that came before the close, if one did).
   */
  static async join(
    baseUrl: string,
    token: string,
    extra: { name?: string; resume_token?: string } = {},
  ): Promise<TestMember> {
    const member = await TestMember.connect(baseUrl);
    member.send({ type: 'join', token, ...extra });
    const outcome = await Promise.race([
      member.next('joined').then(() => undefined),
      member.closed,
    ]);
    if (outcome) {
      const refused = member.received.find((m) => m.type === 'refused');
      throw Object.assign(new Error(`refused: ${outcome.code} ${outcome.reason}`), outcome, {
        refused,
      });
    }
    return member;
  }

  /** Hands a message to the first waiter for it, or keeps it (also to pass one back on). */
  deliver(message: ServerMessage): void {
    const i = this.#waiters.findIndex((w) => w.match(message));
    if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(message);
    else this.received.push(message);
  }

  get id(): string {
    return this.joined!.member.id;
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** Sends a request with an id; resolves with its ack or error. */
  async request(frame: Record<string, unknown>): Promise<Of<'ack'> | Of<'error'>> {
    const id = `r${++this.#seq}`;
    this.send({ ...frame, id });
    return (await this.next((m) => (m.type === 'ack' || m.type === 'error') && m.ref === id)) as
      Of<'ack'> | Of<'error'>;
  }

  /** The next message of a type (or matching a predicate), including one already received. */
  next<T extends ServerMessage['type']>(type: T, timeoutMs?: number): Promise<Of<T>>;
  next(match: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  next(what: string | ((m: ServerMessage) => boolean), timeoutMs = 5000): Promise<ServerMessage> {
    const match = typeof what === 'string' ? (m: ServerMessage) => m.type === what : what;
    const i = this.received.findIndex(match);
    if (i >= 0) return Promise.resolve(this.received.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `no ${typeof what === 'string' ? what : 'matching'} message in ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const done = (m: ServerMessage) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.#waiters.push({ match, resolve: done });
    });
  }

  /** Leaves and waits for the server to close. */
  async leave(): Promise<{ code: number; reason: string }> {
    this.send({ type: 'leave' });
    return this.closed;
  }

  /** Drops the connection without leaving (as a crashed client or lost network would). */
  drop(): void {
    this.socket.terminate();
  }
}
