/**
 * What the relay shares between its connections: the clients by the `protocol` they were issued
 * (a reconnect finds its member again), by their call's id (a reloaded page takes its place
 * back), and per live session the members a moderator pinned and the relay clients in it.
 */
import type { RelayClient } from './relay-client.js';

export class RelayHub {
  readonly #byProtocol = new Map<string, RelayClient>();
  readonly #byCall = new Map<string, RelayClient>();
  /** Session id → the member everyone on the relay sees (a moderator's `set_position`). */
  readonly #pins = new Map<string, string>();
  /** Session id → the relay clients in it. */
  readonly #sessions = new Map<string, Set<RelayClient>>();
  /** Told when a session's pin changes (recordings and streams show the pinned member too). */
  #pinWatcher: (sessionId: string) => void = () => undefined;

  watchPins(watcher: (sessionId: string) => void): void {
    this.#pinWatcher = watcher;
  }

  register(client: RelayClient): void {
    this.#byProtocol.set(client.protocol, client);
  }

  byProtocol(protocol: string): RelayClient | undefined {
    return this.#byProtocol.get(protocol);
  }

  byCall(callId: string): RelayClient | undefined {
    return this.#byCall.get(callId);
  }

  /** The client's call is `callId` now (undefined: it has none). */
  indexCall(client: RelayClient, previous: string | undefined, callId: string | undefined): void {
    if (previous !== undefined && this.#byCall.get(previous) === client) {
      this.#byCall.delete(previous);
    }
    if (callId !== undefined) this.#byCall.set(callId, client);
  }

  /** The client is in session `sessionId` now (undefined: in none). */
  placeIn(client: RelayClient, previous: string | undefined, sessionId: string | undefined): void {
    if (previous !== undefined && previous !== sessionId) {
      const set = this.#sessions.get(previous);
      set?.delete(client);
      if (set?.size === 0) {
        this.#sessions.delete(previous);
        if (this.#pins.delete(previous)) this.#pinWatcher(previous);
      }
    }
    if (sessionId === undefined) return;
    let set = this.#sessions.get(sessionId);
    if (!set) this.#sessions.set(sessionId, (set = new Set()));
    set.add(client);
  }

  /** Forgets the client: its protocol no longer resumes, its call id no longer reattaches. */
  forget(client: RelayClient): void {
    if (this.#byProtocol.get(client.protocol) === client) this.#byProtocol.delete(client.protocol);
    this.indexCall(client, client.callId, undefined);
    this.placeIn(client, client.sessionId, undefined);
  }

  pinned(sessionId: string): string | undefined {
    return this.#pins.get(sessionId);
  }

  /**
   * Pins `memberId` in the session for every relay client (null: unpins). Each client is told
   * (`video.member.updated` with `requested_position`) and recomputes whom it shows.
   */
  pin(sessionId: string, memberId: string | null): void {
    const before = this.#pins.get(sessionId);
    if ((before ?? null) === memberId) return;
    if (memberId === null) this.#pins.delete(sessionId);
    else this.#pins.set(sessionId, memberId);
    for (const client of this.#sessions.get(sessionId) ?? []) {
      client.pinChanged(before, memberId ?? undefined);
    }
    this.#pinWatcher(sessionId);
  }
}
