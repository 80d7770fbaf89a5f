import type {
  SimulatedJoinRefusal,
  SimulatedMember,
  SimulatedMemberAction,
  SimulatedMembersJoined,
} from '@conclave/schema';
import { signRoomToken } from '../auth/room-tokens.js';
import type { AppContext } from '../context.js';
import type { Deadline } from '../lib/project-clock.js';
import { Refused } from '../realtime/admission.js';
import type { LiveEngine, Membership, Peer } from '../realtime/live-engine.js';
import { grantsFromRequest } from '../routes/video/room-tokens/room-tokens-routes.js';
import type { TestClocks } from './test-clocks.js';

/** Where simulated members join: the token each of them presents. */
export type SimulationTarget = { conferenceId: string } | { roomName: string } | { token: string };

/** The target does not exist (a conference id of no conference of the project). */
export class SimulationTargetMissing extends Error {}

/** Synthetic media cannot be given (no media engine, no ffmpeg, or too many already). */
export class SimulationMediaRefused extends Error {}

/** Simulated members publishing synthetic media at once, per process: each is an ffmpeg
 *  encoding VP8 and Opus in real time (about a fifth of a core). */
export const MAX_MEDIA_MEMBERS = 4;
/** Their tones: 440 Hz, 550 Hz … 1210 Hz, then round again. */
const TONE_BASE_HZ = 440;
const TONE_STEP_HZ = 110;
const TONES = 8;

/**
 * A member without media, joined in process: its "connection" is this object, which the live
 * engine treats like any socket. Everything else — admission, the rules, what the others and
 * the records see — is the engine's, as for a person.
 */
class SimulatedPeer implements Peer {
  constructor(private readonly sim: Simulation) {}

  send(text: string): void {
    // Its place back after a drop needs the resume token it was last given.
    if (text.startsWith('{"type":"joined"')) {
      this.sim.resumeToken = (JSON.parse(text) as { resume_token: string }).resume_token;
    }
  }

  close(_code: number, reason: string): void {
    if (this.sim.peer === this) this.sim.gone(reason);
  }

  terminate(): void {
    this.sim.cut(this);
  }
}

class Simulation {
  peer: SimulatedPeer | null = null;
  resumeToken = '';
  state: SimulatedMember['state'] = 'joined';
  leftReason: string | null = null;
  talking = false;
  leaveAt: Deadline | undefined;
  /** Its tone, when it publishes synthetic media. */
  toneHz: number | null = null;

  /** Set once admitted. */
  membership!: Membership;

  constructor(
    private readonly live: LiveEngine,
    readonly token: string,
    readonly name: string,
  ) {}

  get id(): string {
    return this.membership.member.id;
  }

  /** Publishes synthetic media, while in the session. */
  get media(): boolean {
    return this.toneHz !== null && this.state !== 'left';
  }

  /** Its synthetic camera and microphone start (again, after a reconnect). */
  startMedia(): void {
    if (this.toneHz === null) return;
    const { session, member } = this.membership;
    this.live.media.synthetic?.(session.id, member.id, {
      memberId: member.id,
      name: this.name,
      toneHz: this.toneHz,
    });
  }

  gone(reason: string): void {
    this.leaveAt?.cancel();
    this.peer = null;
    this.state = 'left';
    this.talking = false;
    this.leftReason = reason;
  }

  /** Its connection is lost: it keeps its place for the grace period. */
  cut(peer: SimulatedPeer): void {
    if (this.peer !== peer) return;
    this.peer = null;
    this.state = 'reconnecting';
    this.talking = false;
    this.live.dropped(this.membership, peer);
  }

  wire(): SimulatedMember {
    // Gone without a word to its connection: a dropped member whose grace period ran out.
    const { session } = this.membership;
    if (this.state !== 'left' && !session.members.has(this.id)) {
      this.gone(session.ended ? 'session_ended' : 'disconnected');
    }
    return {
      id: this.id,
      name: this.name,
      room_session_id: this.membership.session.id,
      state: this.state,
      audio_muted: this.membership.member.audioMuted,
      talking: this.talking,
      media: this.toneHz !== null,
      tone_hz: this.toneHz,
      left_reason: this.leftReason,
    };
  }
}

/** What an action on a simulated member came to. */
export type ActionOutcome = 'done' | 'not_found' | 'not_connected' | 'gone';

/**
 * Emulator mode's simulated members, per project: members without media that join conferences
 * and rooms through the live engine's own admission, and that a test can tell to leave, mute,
 * talk, drop and reconnect. Those that left stay listed (with why) until the project is reset.
 */
export class SimulatedMembers {
  readonly #byProject = new Map<string, Map<string, Simulation>>();
  /** Tones handed out so far (each media member gets the next). */
  #tones = 0;

  constructor(
    private readonly ctx: AppContext,
    private readonly clocks: TestClocks,
  ) {}

  /** `count` members join at once; each is admitted or refused as a person would be. */
  async join(
    projectId: string,
    target: SimulationTarget,
    count: number,
    options: {
      name?: string | undefined;
      forSeconds?: number | undefined;
      media?: boolean | undefined;
    } = {},
  ): Promise<SimulatedMembersJoined> {
    if (options.media) this.#checkMedia(count);
    const token = await this.#tokenFor(projectId, target);
    const prefix = options.name ?? 'Simulated';
    const attempts = Array.from({ length: count }, (_, i) =>
      this.#joinOne(projectId, token, `${prefix} ${i + 1}`),
    );
    const joined: SimulatedMember[] = [];
    const refused: SimulatedJoinRefusal[] = [];
    for (const outcome of await Promise.all(attempts)) {
      if ('refusal' in outcome) {
        refused.push(outcome.refusal);
        continue;
      }
      const sim = outcome.sim;
      // Checked again: members of another call may have been given media meanwhile.
      if (options.media && this.#mediaMembers() < MAX_MEDIA_MEMBERS) {
        sim.toneHz = TONE_BASE_HZ + TONE_STEP_HZ * (this.#tones++ % TONES);
        sim.startMedia();
      }
      if (options.forSeconds !== undefined) {
        const at = this.clocks.now(projectId) + options.forSeconds * 1000;
        sim.leaveAt = this.clocks.at(
          projectId,
          at,
          () => void this.act(projectId, sim.id, 'leave'),
        );
      }
      joined.push(sim.wire());
    }
    await this.ctx.live.settled();
    return { joined, refused };
  }

  list(projectId: string): SimulatedMember[] {
    return [...(this.#byProject.get(projectId)?.values() ?? [])].map((sim) => sim.wire());
  }

  get(projectId: string, memberId: string): SimulatedMember | undefined {
    return this.#byProject.get(projectId)?.get(memberId)?.wire();
  }

  /** Carries out an action; resolves once what it changed is written. */
  async act(
    projectId: string,
    memberId: string,
    action: SimulatedMemberAction,
  ): Promise<ActionOutcome> {
    const sim = this.#byProject.get(projectId)?.get(memberId);
    if (!sim) return 'not_found';
    if (sim.state === 'left') return 'gone';
    const live = this.ctx.live;
    const { session, member } = sim.membership;
    if (action === 'reconnect') {
      if (sim.state !== 'reconnecting') return 'done';
      const peer = new SimulatedPeer(sim);
      const resumed = live.resume(peer, sim.token, sim.resumeToken, () => true);
      if (!resumed) {
        sim.gone('disconnected');
        return 'gone';
      }
      sim.peer = peer;
      sim.state = 'joined';
      // Its media went with its connection, as a person's does; it publishes again.
      sim.startMedia();
      return 'done';
    }
    if (action === 'leave') {
      sim.gone('left');
      await live.leave(sim.membership);
      return 'done';
    }
    if (sim.state !== 'joined') return 'not_connected';
    switch (action) {
      case 'drop':
        sim.cut(sim.peer!);
        break;
      case 'mute':
      case 'unmute': {
        const changed = live.updateMember(projectId, session.id, member.id, {
          audio_muted: action === 'mute',
        });
        if (typeof changed === 'string') return 'not_connected';
        await changed.written;
        break;
      }
      case 'talk':
      case 'stop_talking':
        sim.talking = action === 'talk';
        // What the media engine reports when it hears someone: `member.talking` for all.
        live.mediaEvents.talking(session.id, member.id, sim.talking);
        break;
    }
    await live.settled();
    return 'done';
  }

  /** Refuses synthetic media that cannot be given to `count` more members. */
  #checkMedia(count: number): void {
    const media = this.ctx.live.media;
    if (!media.available || !media.synthetic) {
      throw new SimulationMediaRefused('this server has no media engine (CONCLAVE_MEDIA=off)');
    }
    if (media.outputsUnavailable !== null) {
      throw new SimulationMediaRefused(`synthetic media needs ffmpeg: ${media.outputsUnavailable}`);
    }
    const running = this.#mediaMembers();
    if (running + count > MAX_MEDIA_MEMBERS) {
      throw new SimulationMediaRefused(
        `at most ${MAX_MEDIA_MEMBERS} simulated members with media at once in this process ` +
          `(${running} now)`,
      );
    }
  }

  /** Simulated members publishing synthetic media now, in every project. */
  #mediaMembers(): number {
    let count = 0;
    for (const members of this.#byProject.values()) {
      for (const sim of members.values()) {
        const { session } = sim.membership;
        if (sim.media && session.members.has(sim.id)) count++;
      }
    }
    return count;
  }

  /** Forgets the project's simulated members (its sessions were ended by the reset). */
  clear(projectId: string): void {
    for (const sim of this.#byProject.get(projectId)?.values() ?? []) sim.leaveAt?.cancel();
    this.#byProject.delete(projectId);
  }

  async #joinOne(
    projectId: string,
    token: string,
    name: string,
  ): Promise<{ sim: Simulation } | { refusal: SimulatedJoinRefusal }> {
    const sim = new Simulation(this.ctx.live, token, name);
    const peer = new SimulatedPeer(sim);
    sim.peer = peer;
    try {
      sim.membership = await this.ctx.live.join(peer, { type: 'join', token, name }, () => true);
    } catch (error) {
      if (error instanceof Refused) {
        return { refusal: { name, reason: error.reason, message: error.message } };
      }
      throw error;
    }
    if (sim.membership.session.projectId !== projectId) {
      // A token of another project: out at once, and refused as such.
      sim.gone('left');
      await this.ctx.live.leave(sim.membership);
      return { refusal: { name, reason: 'invalid_token', message: 'a token of another project' } };
    }
    let members = this.#byProject.get(projectId);
    if (!members) this.#byProject.set(projectId, (members = new Map()));
    members.set(sim.id, sim);
    return { sim };
  }

  async #tokenFor(projectId: string, target: SimulationTarget): Promise<string> {
    if ('token' in target) return target.token;
    if ('roomName' in target) {
      const grants = grantsFromRequest({ room_name: target.roomName });
      return signRoomToken(this.ctx.store, projectId, grants, this.clocks.now(projectId));
    }
    const tokens = await this.ctx.store.listConferenceTokens(projectId, target.conferenceId, {
      limit: 10,
    });
    const token = tokens.items.find((t) => t.name === 'Guest') ?? tokens.items[0];
    if (!token) throw new SimulationTargetMissing('no such conference');
    return token.token;
  }
}
