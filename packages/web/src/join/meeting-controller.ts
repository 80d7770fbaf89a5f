/**
 * The meeting as the page sees it: a `RealtimeSession` from Conclave's SDK, the local camera,
 * microphone and screen, the others' tracks, chat and notices. Components read `snapshot()` and
 * re-render on `subscribe()`.
 */
import type {
  ChatRelayMessage,
  LiveMember,
  LiveSession,
  RealtimeCloseEvent,
  RealtimeSession,
  RemoteTrack,
} from '@conclave/sdk';
import { deviceOf, openTrack, stopStream } from './devices.js';
import { playTone } from './tone.js';

export interface RemoteMedia {
  camera: MediaStream | undefined;
  screen: MediaStream | undefined;
}

export interface ChatLine {
  id: number;
  from: string;
  name: string;
  text: string;
  at: string;
  self: boolean;
}

export interface Notice {
  id: number;
  text: string;
}

export interface Snapshot {
  session: LiveSession;
  selfId: string;
  members: LiveMember[];
  scopes: ReadonlySet<string>;
  connection: 'open' | 'reconnecting' | 'closing' | 'closed';
  remote: ReadonlyMap<string, RemoteMedia>;
  talking: ReadonlySet<string>;
  speaker: string | undefined;
  localCamera: MediaStream | undefined;
  localScreen: MediaStream | undefined;
  microphoneOn: boolean;
  cameraOn: boolean;
  chat: readonly ChatLine[];
  unread: number;
  notices: readonly Notice[];
  cameraId: string | undefined;
  microphoneId: string | undefined;
  /** Remote audio that the browser would not play without a click. */
  audioBlocked: boolean;
  version: number;
}

export interface StartOptions {
  stream: MediaStream;
  microphoneOn: boolean;
  cameraOn: boolean;
}

const NOTICE_MS = 6_000;

/** A stream of one track, the same object while the track is (so a `<video>` keeps playing). */
function streamOf(
  track: MediaStreamTrack | undefined,
  previous: MediaStream | undefined,
): MediaStream | undefined {
  if (!track) return undefined;
  return previous?.getTracks()[0] === track ? previous : new MediaStream([track]);
}
const CHAT_KEEP = 500;

export class MeetingController {
  readonly session: RealtimeSession;
  readonly #listeners = new Set<() => void>();
  readonly #off: (() => void)[] = [];
  readonly #remote = new Map<string, RemoteMedia>();
  readonly #audio = new Map<string, HTMLAudioElement>();
  #speaker: string | undefined;
  #micTrack: MediaStreamTrack | undefined;
  #cameraTrack: MediaStreamTrack | undefined;
  #screenTrack: MediaStreamTrack | undefined;
  #microphoneOn = false;
  #cameraOn = false;
  #cameraId: string | undefined;
  #microphoneId: string | undefined;
  #chat: ChatLine[] = [];
  #unread = 0;
  #chatOpen = false;
  #notices: Notice[] = [];
  #nextId = 0;
  #audioBlocked = false;
  #version = 0;
  #snapshot: Snapshot | undefined;
  #closed = false;

  constructor(session: RealtimeSession) {
    this.session = session;
    const s = session;
    this.#off.push(
      s.on('member.joined', ({ member }) => {
        if (s.session.tone_on_entry_and_exit) playTone('entry');
        this.#notify(`${member.name} joined`);
        this.#changed();
      }),
      s.on('member.left', ({ member, member_id, reason }) => {
        this.#remote.delete(member_id);
        if (this.#speaker === member_id) this.#speaker = undefined;
        if (s.session.tone_on_entry_and_exit) playTone('exit');
        const name = member?.name ?? 'Someone';
        this.#notify(reason === 'removed' ? `${name} was removed` : `${name} left`);
        this.#changed();
      }),
      s.on('member.updated', ({ member }) => {
        if (member.id === s.memberId) this.#followSelf(member);
        this.#changed();
      }),
      s.on('session.updated', () => this.#changed()),
      s.on('member.talking', ({ member_id, talking }) => {
        if (talking && member_id !== s.memberId) this.#speaker = member_id;
        this.#changed();
      }),
      s.on('chat', (m) => this.#onChat(m)),
      s.on('track.added', (t) => this.#onTrack(t, true)),
      s.on('track.removed', (t) => this.#onTrack(t, false)),
      s.on('reconnecting', () => this.#changed()),
      s.on('reconnected', () => this.#changed()),
      s.on('error', (error) => {
        this.#notify(`Not done: ${error.message}`);
        this.#changed();
      }),
      s.on('media.closed', (e) => {
        if (!e.restarting && e.reason !== 'stopped') {
          this.#notify('Audio and video stopped: the server closed them. Rejoin to restart.');
        }
        this.#changed();
      }),
      s.on('closed', () => this.#dispose()),
    );
  }

  /** Publishes what the pre-join screen prepared. */
  async start({ stream, microphoneOn, cameraOn }: StartOptions): Promise<void> {
    const s = this.session;
    this.#micTrack = stream.getAudioTracks()[0];
    const camera = stream.getVideoTracks()[0];
    this.#microphoneId = deviceOf(this.#micTrack);
    this.#cameraId = deviceOf(camera);
    const canPublish = s.member.can_publish && s.media.available;
    if (!canPublish) {
      stopStream(stream);
      this.#micTrack = undefined;
      this.#changed();
      return;
    }
    if (cameraOn && camera) this.#cameraTrack = camera;
    else camera?.stop();
    this.#microphoneOn = microphoneOn && !!this.#micTrack && !s.member.audio_muted;
    this.#cameraOn = !!this.#cameraTrack && !s.member.video_muted;
    if (this.#micTrack) this.#micTrack.enabled = this.#microphoneOn;
    const tracks = [this.#micTrack, this.#cameraTrack].filter((t) => t !== undefined);
    try {
      if (tracks.length > 0) await s.media.publish(tracks);
      // What the others see: muted unless on.
      const update: { audioMuted?: boolean; videoMuted?: boolean } = {};
      if (!this.#microphoneOn && !s.member.audio_muted) update.audioMuted = true;
      if (!this.#cameraOn && !s.member.video_muted) update.videoMuted = true;
      if (update.audioMuted !== undefined || update.videoMuted !== undefined) {
        await s.updateMember(update);
      }
    } catch (error) {
      this.#notify(`Could not send your audio and video: ${(error as Error).message}`);
    }
    this.#changed();
  }

  // ---- reading -------------------------------------------------------------------------------

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  snapshot(): Snapshot {
    if (this.#snapshot?.version === this.#version) return this.#snapshot;
    const s = this.session;
    const talking = new Set(s.media.talking);
    this.#snapshot = {
      session: s.session,
      selfId: s.memberId,
      members: [...s.members.values()],
      scopes: new Set(s.scopes),
      connection: s.state,
      remote: new Map(this.#remote),
      talking,
      speaker: this.#speaker,
      localCamera: streamOf(this.#cameraTrack, this.#snapshot?.localCamera),
      localScreen: streamOf(this.#screenTrack, this.#snapshot?.localScreen),
      microphoneOn: this.#microphoneOn,
      cameraOn: this.#cameraOn,
      chat: this.#chat,
      unread: this.#unread,
      notices: this.#notices,
      cameraId: this.#cameraId,
      microphoneId: this.#microphoneId,
      audioBlocked: this.#audioBlocked,
      version: this.#version,
    };
    return this.#snapshot;
  }

  can(scope: string): boolean {
    return this.session.scopes.includes(scope);
  }

  // ---- own media -----------------------------------------------------------------------------

  async setMicrophone(on: boolean): Promise<void> {
    const s = this.session;
    if (on && !this.#micTrack) {
      try {
        this.#micTrack = await openTrack('audio', this.#microphoneId);
        await s.media.publish([this.#micTrack]);
      } catch (error) {
        this.#micTrack?.stop();
        this.#micTrack = undefined;
        this.#notify(`Microphone: ${(error as Error).message}`);
        this.#changed();
        return;
      }
    }
    try {
      await s.media.setMicrophoneEnabled(on);
      this.#microphoneOn = on;
    } catch (error) {
      // Refused (a moderator muted this member and it may not unmute itself): stays muted.
      s.media.setMicrophoneEnabled(false).catch(() => undefined);
      this.#microphoneOn = false;
      this.#notify(on ? 'You cannot unmute yourself here.' : (error as Error).message);
    }
    this.#changed();
  }

  async setCamera(on: boolean): Promise<void> {
    const s = this.session;
    try {
      if (on) {
        const track = await openTrack('video', this.#cameraId);
        this.#cameraTrack = track;
        this.#cameraId = deviceOf(track) ?? this.#cameraId;
        if (s.media.localTracks.has('camera')) await s.media.replaceTrack('camera', track);
        else await s.media.publish([track]);
        await s.media.setCameraEnabled(true);
        this.#cameraOn = true;
      } else {
        this.#cameraOn = false;
        await s.media.setCameraEnabled(false);
        if (s.media.localTracks.has('camera')) await s.media.replaceTrack('camera', null);
        this.#cameraTrack?.stop();
        this.#cameraTrack = undefined;
      }
    } catch (error) {
      if (on) {
        this.#cameraTrack?.stop();
        this.#cameraTrack = undefined;
        this.#cameraOn = false;
        s.media.setCameraEnabled(false).catch(() => undefined);
        const name = (error as Error).name;
        this.#notify(
          name === 'RealtimeError'
            ? 'You cannot turn your camera on here.'
            : `Camera: ${(error as Error).message}`,
        );
      }
    }
    this.#changed();
  }

  /** Switches to another camera or microphone without renegotiating. */
  async switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    const s = this.session;
    if (kind === 'video') {
      this.#cameraId = deviceId;
      if (!this.#cameraOn) return this.#changed();
      try {
        const track = await openTrack('video', deviceId);
        await s.media.replaceTrack('camera', track);
        this.#cameraTrack?.stop();
        this.#cameraTrack = track;
      } catch (error) {
        this.#notify(`Camera: ${(error as Error).message}`);
      }
    } else {
      this.#microphoneId = deviceId;
      if (!this.#micTrack) return this.#changed();
      try {
        const track = await openTrack('audio', deviceId);
        track.enabled = this.#microphoneOn;
        await s.media.replaceTrack('microphone', track);
        this.#micTrack.stop();
        this.#micTrack = track;
      } catch (error) {
        this.#notify(`Microphone: ${(error as Error).message}`);
      }
    }
    this.#changed();
  }

  async shareScreen(on: boolean): Promise<void> {
    const s = this.session;
    if (!on) {
      const track = this.#screenTrack;
      this.#screenTrack = undefined;
      track?.stop();
      this.#changed();
      await s.media.unpublish('screen').catch(() => undefined);
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      const track = stream.getVideoTracks()[0];
      if (!track) return;
      track.addEventListener('ended', () => {
        if (this.#screenTrack === track) void this.shareScreen(false);
      });
      this.#screenTrack = track;
      this.#changed();
      await s.media.publish([{ track, source: 'screen' }]);
    } catch (error) {
      this.#screenTrack?.stop();
      this.#screenTrack = undefined;
      if ((error as Error).name !== 'NotAllowedError') {
        this.#notify(`Screen sharing: ${(error as Error).message}`);
      }
    }
    this.#changed();
  }

  /** A moderator turned this member's audio or video off (or on). */
  #followSelf(member: LiveMember): void {
    if (member.audio_muted && this.#microphoneOn) {
      this.#microphoneOn = false;
      if (this.#micTrack) this.#micTrack.enabled = false;
      this.#notify('A moderator muted your microphone.');
    }
    if (member.video_muted && this.#cameraOn) {
      void this.setCamera(false);
      this.#notify('A moderator turned your camera off.');
    }
  }

  // ---- the others ----------------------------------------------------------------------------

  #onTrack(t: RemoteTrack, added: boolean): void {
    const key = `${t.memberId}:${t.source}:${t.kind}`;
    if (t.kind === 'audio') {
      if (added) this.#playAudio(key, t.track);
      else this.#stopAudio(key);
      return;
    }
    const media = this.#remote.get(t.memberId) ?? { camera: undefined, screen: undefined };
    const slot = t.source === 'screen' ? 'screen' : 'camera';
    media[slot] = added ? new MediaStream([t.track]) : undefined;
    this.#remote.set(t.memberId, { ...media });
    this.#changed();
  }

  #playAudio(key: string, track: MediaStreamTrack): void {
    this.#stopAudio(key);
    const audio = new Audio();
    audio.autoplay = true;
    audio.srcObject = new MediaStream([track]);
    this.#audio.set(key, audio);
    audio.play().catch(() => {
      this.#audioBlocked = true;
      this.#changed();
    });
  }

  #stopAudio(key: string): void {
    const audio = this.#audio.get(key);
    if (!audio) return;
    audio.srcObject = null;
    this.#audio.delete(key);
  }

  /** After a click: plays what the browser held back. */
  resumeAudio(): void {
    this.#audioBlocked = false;
    for (const audio of this.#audio.values()) void audio.play().catch(() => undefined);
    this.#changed();
  }

  // ---- chat and notices ----------------------------------------------------------------------

  #onChat(m: ChatRelayMessage): void {
    const line: ChatLine = {
      id: ++this.#nextId,
      from: m.from,
      name: m.name,
      text: m.text,
      at: m.at,
      self: m.from === this.session.memberId,
    };
    this.#chat = [...this.#chat.slice(-(CHAT_KEEP - 1)), line];
    if (!this.#chatOpen && !line.self) this.#unread += 1;
    this.#changed();
  }

  setChatOpen(open: boolean): void {
    this.#chatOpen = open;
    if (open) this.#unread = 0;
    this.#changed();
  }

  async sendChat(text: string): Promise<boolean> {
    try {
      await this.session.chat(text);
      return true;
    } catch (error) {
      this.#notify(`Message not sent: ${(error as Error).message}`);
      this.#changed();
      return false;
    }
  }

  #notify(text: string): void {
    const notice = { id: ++this.#nextId, text };
    this.#notices = [...this.#notices.slice(-3), notice];
    setTimeout(() => {
      this.#notices = this.#notices.filter((n) => n !== notice);
      this.#changed();
    }, NOTICE_MS);
  }

  /** Runs a moderator action; a refusal becomes a notice. */
  async act(action: () => Promise<void>, what: string): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.#notify(`${what}: ${(error as Error).message}`);
      this.#changed();
    }
  }

  // ---- the end -------------------------------------------------------------------------------

  async leave(): Promise<RealtimeCloseEvent> {
    await this.session.leave();
    return this.session.closed;
  }

  #dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#off) off();
    this.#micTrack?.stop();
    this.#cameraTrack?.stop();
    this.#screenTrack?.stop();
    for (const key of [...this.#audio.keys()]) this.#stopAudio(key);
    this.#changed();
  }

  #changed(): void {
    this.#version += 1;
    for (const listener of [...this.#listeners]) listener();
  }
}
