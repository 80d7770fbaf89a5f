/**
 * The live engine's state changes, per project, for Conclave's live feed (`GET /conclave/v1/live`).
 * The engine publishes what it already tells the members (and the session starts and ends it
 * does not); listeners get each event once, already framed as SSE, serialised once per project.
 *
 * `member.talking` comes at speech rate from every publisher, so it is coalesced: per member, the
 * latest state is sent at most once per interval; anything else a project publishes flushes
 * what is waiting first, so the order of a member's events never changes.
 */
import {
  LIVE_FEED_TALKING_INTERVAL_MS,
  type LiveFeedDelta,
  type LiveFeedEvent,
} from '@conclave/schema';

/** One open feed: receives SSE frames (`event:` + `data:` lines, a blank line). */
export interface LiveFeedListener {
  write(frame: string): void;
  /** The project's feeds are being closed (the project was deleted, or the server stops). */
  close(reason: string): void;
}

type TalkingEvent = Extract<LiveFeedDelta, { type: 'member.talking' }>;

interface ProjectFeed {
  listeners: Set<LiveFeedListener>;
  /** Talking states waiting for the next flush, by `session/member` (the latest wins). */
  talking: Map<string, TalkingEvent>;
  timer: NodeJS.Timeout | undefined;
}

/** An SSE event: `event:` its type, `data:` its JSON (JSON has no raw newline to escape). */
export function sseFrame(event: LiveFeedEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export class LiveFeed {
  readonly #projects = new Map<string, ProjectFeed>();

  constructor(private readonly talkingIntervalMs = LIVE_FEED_TALKING_INTERVAL_MS) {}

  /** Whether anyone listens to the project (the engine builds no event otherwise). */
  listening(projectId: string): boolean {
    return this.#projects.has(projectId);
  }

  /** Open feeds of the project. */
  count(projectId: string): number {
    return this.#projects.get(projectId)?.listeners.size ?? 0;
  }

  /** Adds a listener; the returned function removes it (again is harmless). */
  subscribe(projectId: string, listener: LiveFeedListener): () => void {
    let feed = this.#projects.get(projectId);
    if (!feed) {
      feed = { listeners: new Set(), talking: new Map(), timer: undefined };
      this.#projects.set(projectId, feed);
    }
    feed.listeners.add(listener);
    const project = feed;
    return () => {
      project.listeners.delete(listener);
      if (project.listeners.size === 0 && this.#projects.get(projectId) === project) {
        clearTimeout(project.timer);
        this.#projects.delete(projectId);
      }
    };
  }

  /** Sends a delta to the project's listeners (talking: coalesced, see above). */
  publish(projectId: string, event: LiveFeedDelta): void {
    const feed = this.#projects.get(projectId);
    if (!feed) return;
    if (event.type === 'member.talking') {
      feed.talking.set(`${event.session_id}/${event.member_id}`, event);
      feed.timer ??= setTimeout(() => {
        feed.timer = undefined;
        this.#flush(feed);
      }, this.talkingIntervalMs);
      return;
    }
    this.#flush(feed);
    this.#send(feed, sseFrame(event));
  }

  /** Closes every feed of the project. */
  closeProject(projectId: string, reason: string): void {
    const feed = this.#projects.get(projectId);
    if (!feed) return;
    for (const listener of [...feed.listeners]) listener.close(reason);
  }

  /** Closes every feed. */
  closeAll(reason: string): void {
    for (const projectId of [...this.#projects.keys()]) this.closeProject(projectId, reason);
  }

  #flush(feed: ProjectFeed): void {
    if (feed.talking.size === 0) return;
    clearTimeout(feed.timer);
    feed.timer = undefined;
    const waiting = [...feed.talking.values()];
    feed.talking.clear();
    this.#send(feed, waiting.map(sseFrame).join(''));
  }

  #send(feed: ProjectFeed, frame: string): void {
    // A listener may remove itself (a slow reader) while we iterate: iterate a copy.
    for (const listener of [...feed.listeners]) listener.write(frame);
  }
}
