/** In the meeting: the stage (tiles in the conference's layout), controls, people and chat. */
import type { LiveMember } from '@conclave/sdk';
import type { JSX } from 'preact';
import { useEffect, useId, useMemo, useRef, useState } from 'preact/hooks';
import { listDevices, type DeviceLists } from './devices.js';
import { Icon } from '../ui/icons.js';
import { LAYOUTS, planLayout, type Plan, type Tile } from './layouts.js';
import type { MeetingController, Snapshot } from './meeting-controller.js';
import { ConfirmDialog, Modal } from '../ui/dialogs.js';
import { Video } from './video.js';

type Panel = 'none' | 'people' | 'chat';

function useSnapshot(controller: MeetingController): Snapshot {
  const [, setVersion] = useState(0);
  useEffect(() => controller.subscribe(() => setVersion((v) => v + 1)), [controller]);
  return controller.snapshot();
}

function usePortrait(): boolean {
  const query = useMemo(() => matchMedia('(orientation: portrait)'), []);
  const [portrait, setPortrait] = useState(query.matches);
  useEffect(() => {
    const on = () => setPortrait(query.matches);
    query.addEventListener('change', on);
    return () => query.removeEventListener('change', on);
  }, [query]);
  return portrait;
}

export function Meeting({
  controller,
  onLeave,
}: {
  controller: MeetingController;
  onLeave(): void;
}): JSX.Element {
  const snap = useSnapshot(controller);
  const portrait = usePortrait();
  const [panel, setPanelState] = useState<Panel>('none');
  const [settings, setSettings] = useState(false);
  const opener = useRef<HTMLElement | null>(null);
  const panelHeading = useRef<HTMLHeadingElement>(null);
  /** Opening a panel moves focus into it; closing it returns focus to what opened it. */
  const setPanel = (next: Panel) => {
    if (next !== 'none' && panel === 'none') opener.current = document.activeElement as HTMLElement;
    setPanelState(next);
    if (next === 'none') queueMicrotask(() => opener.current?.focus());
  };
  useEffect(() => {
    if (panel === 'people') panelHeading.current?.focus();
  }, [panel]);
  const { session, selfId, members } = snap;
  const self = members.find((m) => m.id === selfId);
  const canPublish = !!self?.can_publish && controller.session.media.available;
  const chatEnabled = session.enable_chat;

  useEffect(() => controller.setChatOpen(panel === 'chat'), [panel]);
  useEffect(() => {
    if (panel === 'chat' && !chatEnabled) setPanel('none');
  }, [chatEnabled]);

  const tiles = useMemo(() => {
    const list: Tile[] = [];
    for (const m of members) {
      if (m.join_as === 'audience') continue;
      list.push({ key: `${m.id}:camera`, memberId: m.id, screen: false });
      const screen = m.id === selfId ? snap.localScreen : snap.remote.get(m.id)?.screen;
      if (screen) list.push({ key: `${m.id}:screen`, memberId: m.id, screen: true });
    }
    return list;
  }, [snap.version]);
  const plan = planLayout({
    layout: session.layout,
    tiles,
    speaker: snap.speaker,
    self: selfId,
    portrait,
  });
  const byId = new Map(members.map((m) => [m.id, m]));
  const title = session.display_name || session.name;

  return (
    <div class={`meeting panel-${panel}`}>
      <header class="topbar">
        <h1 class="title">{title}</h1>
        <span class="count">
          {members.length} {members.length === 1 ? 'person' : 'people'}
        </span>
        {session.locked && (
          <span class="badge">
            <Icon name="lock" /> Locked
          </span>
        )}
      </header>
      {snap.connection === 'reconnecting' && (
        <div class="banner" role="status">
          Reconnecting… your place is kept.
        </div>
      )}
      {snap.audioBlocked && (
        <div class="banner">
          <button type="button" class="primary" onClick={() => controller.resumeAudio()}>
            Turn on sound
          </button>
        </div>
      )}
      <main class="stage" aria-label="Video" data-layout={session.layout}>
        <Stage plan={plan} snap={snap} byId={byId} />
      </main>
      {panel !== 'none' && (
        <aside
          class="side"
          aria-label={panel === 'chat' ? 'Chat' : 'People'}
          onKeyDown={(e) => {
            // A dialog inside handles its own Escape.
            if (e.key === 'Escape' && !(e.target as Element).closest('dialog')) {
              e.preventDefault();
              setPanel('none');
            }
          }}
        >
          <div class="side-head">
            <h2 ref={panelHeading} tabIndex={-1}>
              {panel === 'chat' ? 'Chat' : `People (${members.length})`}
            </h2>
            <button type="button" class="icon-button" onClick={() => setPanel('none')}>
              <Icon name="close" />
              <span class="sr-only">Close {panel === 'chat' ? 'chat' : 'people'}</span>
            </button>
          </div>
          {panel === 'chat' ? (
            <Chat controller={controller} snap={snap} />
          ) : (
            <People controller={controller} snap={snap} />
          )}
        </aside>
      )}
      <div class="controls" role="group" aria-label="Meeting controls">
        {canPublish && (
          <>
            <ToggleButton
              on={snap.microphoneOn}
              icon={snap.microphoneOn ? 'mic' : 'micOff'}
              label="Microphone"
              onClick={() => void controller.setMicrophone(!snap.microphoneOn)}
            />
            <ToggleButton
              on={snap.cameraOn}
              icon={snap.cameraOn ? 'camera' : 'cameraOff'}
              label="Camera"
              onClick={() => void controller.setCamera(!snap.cameraOn)}
            />
            {controller.can('room.self.screenshare') &&
              typeof navigator.mediaDevices?.getDisplayMedia === 'function' && (
                <ToggleButton
                  on={!!snap.localScreen}
                  icon="screen"
                  label="Share screen"
                  onClick={() => void controller.shareScreen(!snap.localScreen)}
                />
              )}
            <button type="button" class="control" onClick={() => setSettings(true)}>
              <Icon name="settings" />
              <span class="control-label">Devices</span>
            </button>
          </>
        )}
        {!canPublish && <span class="hint">You are watching and listening.</span>}
        <ToggleButton
          on={panel === 'people'}
          icon="people"
          label="People"
          onClick={() => setPanel(panel === 'people' ? 'none' : 'people')}
        />
        {chatEnabled && (
          <ToggleButton
            on={panel === 'chat'}
            icon="chat"
            label="Chat"
            extra={snap.unread > 0 ? `${snap.unread} unread` : undefined}
            onClick={() => setPanel(panel === 'chat' ? 'none' : 'chat')}
          />
        )}
        <button type="button" class="control leave" onClick={onLeave}>
          <Icon name="leave" />
          <span class="control-label">Leave</span>
        </button>
      </div>
      <div class="notices" role="status" aria-live="polite">
        {snap.notices.map((n) => (
          <p key={n.id} class="notice">
            {n.text}
          </p>
        ))}
      </div>
      {settings && (
        <DeviceDialog controller={controller} snap={snap} onClose={() => setSettings(false)} />
      )}
    </div>
  );
}

function ToggleButton({
  on,
  icon,
  label,
  extra,
  onClick,
}: {
  on: boolean;
  icon: Parameters<typeof Icon>[0]['name'];
  label: string;
  extra?: string | undefined;
  onClick(): void;
}): JSX.Element {
  return (
    <button
      type="button"
      class={`control${on ? ' on' : ' off'}`}
      aria-pressed={on}
      onClick={onClick}
    >
      <Icon name={icon} />
      <span class="control-label">{label}</span>
      {extra && (
        <span class="dot">
          <span class="sr-only">, {extra}</span>
        </span>
      )}
    </button>
  );
}

// ---- the stage ---------------------------------------------------------------------------------

function Stage({
  plan,
  snap,
  byId,
}: {
  plan: Plan;
  snap: Snapshot;
  byId: Map<string, LiveMember>;
}): JSX.Element {
  const tile = (t: Tile, size: 'main' | 'small' | 'cell') => (
    <TileView key={t.key} tile={t} size={size} snap={snap} member={byId.get(t.memberId)} />
  );
  const more = plan.hidden > 0 && (
    <div class="more" aria-label={`${plan.hidden} more in the people list`}>
      +{plan.hidden}
    </div>
  );
  if (plan.kind === 'focus') {
    return (
      <div class="focus">
        <div class="focus-main">{tile(plan.main, 'main')}</div>
        {(plan.strip.length > 0 || plan.hidden > 0) && (
          <div class="strip">
            {plan.strip.map((t) => tile(t, 'small'))}
            {more}
          </div>
        )}
      </div>
    );
  }
  return (
    <div class="grid" data-columns={plan.columns} ref={useGridVars(plan.columns, plan.rows)}>
      {plan.tiles.map((t) => tile(t, 'cell'))}
      {more}
    </div>
  );
}

/** Grid columns and rows as custom properties (set through the CSSOM: no inline styles). */
function useGridVars(columns: number, rows: number) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.style.setProperty('--columns', String(columns));
    ref.current?.style.setProperty('--rows', String(rows));
  }, [columns, rows]);
  return ref;
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters =
    parts.length > 1 ? parts[0]![0]! + parts[parts.length - 1]![0]! : (parts[0]?.[0] ?? '?');
  return letters.toUpperCase();
}

function TileView({
  tile,
  size,
  snap,
  member,
}: {
  tile: Tile;
  size: 'main' | 'small' | 'cell';
  snap: Snapshot;
  member: LiveMember | undefined;
}): JSX.Element {
  const self = tile.memberId === snap.selfId;
  const name = member?.name ?? 'Someone';
  const label = self ? `${name} (you)` : name;
  let stream: MediaStream | undefined;
  if (tile.screen) stream = self ? snap.localScreen : snap.remote.get(tile.memberId)?.screen;
  else if (self) stream = snap.cameraOn ? snap.localCamera : undefined;
  else if (!member?.video_muted) stream = snap.remote.get(tile.memberId)?.camera;
  const talking = !tile.screen && snap.talking.has(tile.memberId) && !member?.audio_muted;
  const state = [
    member?.audio_muted ? 'microphone off' : undefined,
    member?.video_muted && !tile.screen ? 'camera off' : undefined,
    talking ? 'talking' : undefined,
    member?.reconnecting ? 'reconnecting' : undefined,
  ].filter(Boolean);
  return (
    <figure
      class={`tile ${size}${talking ? ' talking' : ''}${tile.screen ? ' screen' : ''}`}
      data-member={tile.memberId}
      data-source={tile.screen ? 'screen' : 'camera'}
      aria-label={`${tile.screen ? `${label}'s screen` : label}${state.length ? `, ${state.join(', ')}` : ''}`}
    >
      {stream ? (
        <Video
          stream={stream}
          mirrored={self && !tile.screen}
          label={tile.screen ? `${name}'s screen` : `${name}'s camera`}
        />
      ) : (
        <div class="avatar" aria-hidden="true">
          <span>{initials(name)}</span>
        </div>
      )}
      <figcaption class="nameplate">
        {member?.audio_muted && !tile.screen && <Icon name="micOff" class="icon small muted" />}
        <span class="name">{tile.screen ? `${label} · screen` : label}</span>
        {member?.reconnecting && <span class="badge small">Reconnecting</span>}
      </figcaption>
    </figure>
  );
}

// ---- people ------------------------------------------------------------------------------------

function People({
  controller,
  snap,
}: {
  controller: MeetingController;
  snap: Snapshot;
}): JSX.Element {
  const s = controller.session;
  const { session } = snap;
  const can = (scope: string) => snap.scopes.has(scope);
  const [removing, setRemoving] = useState<LiveMember | undefined>();
  const layoutId = useId();
  return (
    <div class="people">
      {(can('room.lock') || can('room.unlock') || can('room.set_layout')) && (
        <section class="moderation" aria-label="Meeting settings">
          {session.locked
            ? can('room.unlock') && (
                <button
                  type="button"
                  class="secondary"
                  onClick={() => void controller.act(() => s.unlock(), 'Unlock')}
                >
                  Unlock meeting
                </button>
              )
            : can('room.lock') && (
                <button
                  type="button"
                  class="secondary"
                  onClick={() => void controller.act(() => s.lock(), 'Lock')}
                >
                  Lock meeting
                </button>
              )}
          {can('room.set_layout') && (
            <div class="field">
              <label for={layoutId}>Layout</label>
              <select
                id={layoutId}
                value={session.layout}
                onChange={(e) => {
                  const value = (e.target as HTMLSelectElement).value;
                  void controller.act(() => s.setLayout(value), 'Layout');
                }}
              >
                {LAYOUTS.map((l) => (
                  <option key={l.value} value={l.value}>
                    {l.label}
                  </option>
                ))}
              </select>
            </div>
          )}
        </section>
      )}
      <ul class="member-list" aria-label="People in the meeting">
        {snap.members.map((m) => {
          const self = m.id === snap.selfId;
          const other = self ? 'room.self' : 'room.member';
          const status = [
            m.join_as === 'audience' ? 'audience' : undefined,
            m.audio_muted ? 'microphone off' : undefined,
            m.video_muted ? 'camera off' : undefined,
            snap.talking.has(m.id) ? 'talking' : undefined,
            m.reconnecting ? 'reconnecting' : undefined,
          ].filter(Boolean);
          return (
            <li key={m.id} class="member" data-member={m.id}>
              <span class="member-name">
                {m.name}
                {self && ' (you)'}
              </span>
              <span class="member-status">{status.join(' · ')}</span>
              {!self && m.can_publish && (
                <span class="member-actions">
                  {m.audio_muted
                    ? can(`${other}.audio_unmute`) && (
                        <button
                          type="button"
                          class="small"
                          onClick={() => void controller.act(() => s.unmuteAudio(m.id), 'Unmute')}
                        >
                          Unmute<span class="sr-only"> {m.name}</span>
                        </button>
                      )
                    : can(`${other}.audio_mute`) && (
                        <button
                          type="button"
                          class="small"
                          onClick={() => void controller.act(() => s.muteAudio(m.id), 'Mute')}
                        >
                          Mute<span class="sr-only"> {m.name}</span>
                        </button>
                      )}
                  {!m.video_muted && can(`${other}.video_mute`) && (
                    <button
                      type="button"
                      class="small"
                      onClick={() => void controller.act(() => s.muteVideo(m.id), 'Camera off')}
                    >
                      Stop video<span class="sr-only"> of {m.name}</span>
                    </button>
                  )}
                </span>
              )}
              {!self && can('room.member.remove') && (
                <button type="button" class="small danger" onClick={() => setRemoving(m)}>
                  Remove<span class="sr-only"> {m.name}</span>
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          detail="They leave the meeting at once."
          confirm="Remove"
          onConfirm={() => {
            const id = removing.id;
            setRemoving(undefined);
            void controller.act(() => s.removeMember(id), 'Remove');
          }}
          onCancel={() => setRemoving(undefined)}
        />
      )}
    </div>
  );
}

// ---- chat --------------------------------------------------------------------------------------

function Chat({
  controller,
  snap,
}: {
  controller: MeetingController;
  snap: Snapshot;
}): JSX.Element {
  const [text, setText] = useState('');
  const list = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [snap.chat.length]);
  async function send(): Promise<void> {
    const value = text.trim();
    if (!value) return;
    if (await controller.sendChat(value)) setText('');
  }
  return (
    <div class="chat">
      <div class="messages" ref={list} role="log" aria-label="Messages" aria-live="polite">
        <ol>
          {snap.chat.length === 0 && <li class="hint">No messages yet.</li>}
          {snap.chat.map((line) => (
            <li key={line.id} class={`message${line.self ? ' own' : ''}`}>
              <span class="from">{line.self ? 'You' : line.name}</span>{' '}
              <time dateTime={line.at}>
                {new Date(line.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
              </time>
              <p class="text">{line.text}</p>
            </li>
          ))}
        </ol>
      </div>
      <form
        class="chat-form"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <label for="chat-input" class="sr-only">
          Message
        </label>
        <textarea
          id="chat-input"
          ref={input}
          rows={2}
          maxLength={4000}
          value={text}
          placeholder="Message everyone"
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              void send();
            }
          }}
        />
        <button type="submit" class="primary">
          Send
        </button>
      </form>
    </div>
  );
}

function DeviceDialog({
  controller,
  snap,
  onClose,
}: {
  controller: MeetingController;
  snap: Snapshot;
  onClose(): void;
}): JSX.Element {
  const [devices, setDevices] = useState<DeviceLists>({ cameras: [], microphones: [] });
  const ids = { camera: useId(), mic: useId() };
  useEffect(() => {
    void listDevices().then(setDevices);
  }, []);
  return (
    <Modal title="Devices" onClose={onClose}>
      <div class="field">
        <label for={ids.camera}>Camera</label>
        <select
          id={ids.camera}
          value={snap.cameraId ?? ''}
          disabled={devices.cameras.length === 0}
          onChange={(e) =>
            void controller.switchDevice('video', (e.target as HTMLSelectElement).value)
          }
        >
          {devices.cameras.length === 0 && <option value="">No camera</option>}
          {devices.cameras.map((d, i) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label || `Camera ${i + 1}`}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={ids.mic}>Microphone</label>
        <select
          id={ids.mic}
          value={snap.microphoneId ?? ''}
          disabled={devices.microphones.length === 0}
          onChange={(e) =>
            void controller.switchDevice('audio', (e.target as HTMLSelectElement).value)
          }
        >
          {devices.microphones.length === 0 && <option value="">No microphone</option>}
          {devices.microphones.map((d, i) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label || `Microphone ${i + 1}`}
            </option>
          ))}
        </select>
      </div>
      <div class="actions">
        <button type="button" class="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Modal>
  );
}
