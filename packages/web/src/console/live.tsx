/**
 * Sessions in progress and who is in them, as it happens: one `GET /conclave/v1/live` stream (a
 * snapshot, then each change), no polling. Moderator actions — ending, removing, muting,
 * recording — go through Conclave's own API, each confirmed first.
 */
import type { LiveFeedEvent, LiveMember, LiveSession } from '@conclave/sdk';
import type { JSX } from 'preact';
import { useEffect, useReducer, useState } from 'preact/hooks';
import { ConfirmDialog } from '../ui/dialogs.js';
import { isAuthError } from './auth.js';
import { formatNumber, formatTime } from './format.js';
import { Heading, REVOKED, Table, describeError, useClient, useConsole } from './kit.js';
import { href } from './router.js';

interface LiveState {
  sessions: Map<
    string,
    { session: LiveSession; members: Map<string, LiveMember>; talking: Set<string> }
  >;
}

type Action = { kind: 'event'; event: LiveFeedEvent } | { kind: 'reset' };

function reduce(state: LiveState, action: Action): LiveState {
  if (action.kind === 'reset') return { sessions: new Map() };
  const e = action.event;
  const sessions = new Map(state.sessions);
  if (e.type === 'snapshot') {
    return {
      sessions: new Map(
        e.sessions.map((s) => [
          s.session.id,
          {
            session: s.session,
            members: new Map(s.members.map((m) => [m.id, m])),
            talking: new Set(s.talking),
          },
        ]),
      ),
    };
  }
  if (e.type === 'session.started' || e.type === 'session.updated') {
    const old = sessions.get(e.session_id);
    sessions.set(e.session_id, {
      session: e.session,
      members: old?.members ?? new Map(),
      talking: old?.talking ?? new Set(),
    });
    return { sessions };
  }
  if (e.type === 'session.ended') {
    sessions.delete(e.session_id);
    return { sessions };
  }
  const entry = sessions.get(e.session_id);
  if (!entry) return state;
  const next = { ...entry, members: new Map(entry.members), talking: new Set(entry.talking) };
  if (e.type === 'member.joined' || e.type === 'member.updated')
    next.members.set(e.member.id, e.member);
  else if (e.type === 'member.left') {
    next.members.delete(e.member_id);
    next.talking.delete(e.member_id);
  } else if (e.type === 'member.talking') {
    if (e.talking) next.talking.add(e.member_id);
    else next.talking.delete(e.member_id);
  }
  sessions.set(e.session_id, next);
  return { sessions };
}

export function Live(): JSX.Element {
  const client = useClient();
  const { signOut } = useConsole();
  const [state, dispatch] = useReducer(reduce, { sessions: new Map() });
  const [feed, setFeed] = useState<'connecting' | 'live' | 'retrying'>('connecting');
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    const abort = new AbortController();
    let delay = 1000;
    void (async () => {
      while (!abort.signal.aborted) {
        try {
          for await (const event of client.conclave.live({ signal: abort.signal })) {
            if (event.type === 'snapshot') {
              setFeed('live');
              setProblem(undefined);
              delay = 1000;
            }
            dispatch({ kind: 'event', event });
          }
        } catch (error) {
          if (abort.signal.aborted) return;
          if (isAuthError(error)) {
            signOut(REVOKED);
            return;
          }
          setProblem(describeError(error));
        }
        if (abort.signal.aborted) return;
        // The stream ended (a restart, a revoked token …): connect again, which also tells.
        setFeed('retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 10_000);
      }
    })();
    return () => abort.abort();
  }, [client]);

  const sessions = [...state.sessions.values()].sort((a, b) =>
    a.session.start_time.localeCompare(b.session.start_time),
  );
  return (
    <>
      <Heading title="Live" />
      <p class="hint" role="status">
        {feed === 'live'
          ? `${formatNumber(sessions.length)} ${sessions.length === 1 ? 'session' : 'sessions'} in progress, updated as they change.`
          : feed === 'connecting'
            ? 'Connecting to the live feed…'
            : `Reconnecting to the live feed…${problem ? ` (${problem})` : ''}`}
      </p>
      {sessions.length === 0 && feed === 'live' && <p>No session is in progress.</p>}
      {sessions.map(({ session, members, talking }) => (
        <LiveSessionCard
          key={session.id}
          session={session}
          members={[...members.values()]}
          talking={talking}
        />
      ))}
    </>
  );
}

function LiveSessionCard({
  session,
  members,
  talking,
}: {
  session: LiveSession;
  members: LiveMember[];
  talking: Set<string>;
}): JSX.Element {
  const client = useClient();
  const { notify, signOut } = useConsole();
  /** Every action on a live session is confirmed first: the operator is not in the meeting. */
  const [confirm, setConfirm] = useState<
    | { title: string; detail: string; label: string; run(): Promise<unknown>; what: string }
    | undefined
  >();
  /** A recording request in flight: its button waits (the feed shows the outcome). */
  const [recordingBusy, setRecordingBusy] = useState(false);
  const title = session.display_name || session.name;
  const act = async (run: () => Promise<unknown>, what: string) => {
    try {
      await run();
    } catch (error) {
      if (isAuthError(error)) signOut(REVOKED);
      else notify(`${what}: ${describeError(error)}`);
    }
  };
  const record = (start: boolean) =>
    setConfirm({
      title: start ? `Record ${title}?` : `Stop recording ${title}?`,
      detail: start
        ? 'The featured camera and everyone’s audio are recorded until you stop it or the ' +
          'session ends. The recording is listed in the session’s details.'
        : 'The recording is finished and stored; it is listed in the session’s details.',
      label: start ? 'Record' : 'Stop recording',
      what: start ? 'Record' : 'Stop recording',
      run: async () => {
        setRecordingBusy(true);
        try {
          if (start) await client.conclave.startRecording(session.id);
          else await client.conclave.stopRecording(session.id);
        } finally {
          setRecordingBusy(false);
        }
      },
    });
  return (
    <section
      class="card live-session"
      aria-labelledby={`live-${session.id}`}
      data-session={session.id}
    >
      <div class="screen-head">
        <h2 id={`live-${session.id}`}>
          {title}
          {session.recording && (
            <span class="badge recording">
              <span aria-hidden="true">●</span> Recording
            </span>
          )}
        </h2>
        <div class="screen-actions">
          <a class="button small secondary" href={href(`sessions/${session.id}`)}>
            Details<span class="sr-only"> of {title}</span>
          </a>
          <button
            type="button"
            class="small secondary"
            disabled={recordingBusy}
            onClick={() => record(!session.recording)}
          >
            {session.recording ? 'Stop recording' : 'Record'}
            <span class="sr-only"> {title}</span>
          </button>
          <button
            type="button"
            class="small danger"
            onClick={() =>
              setConfirm({
                title: `End ${title} now?`,
                detail: 'Everyone in it is let go at once.',
                label: 'End session',
                what: 'End session',
                run: () => client.conclave.endSession(session.id),
              })
            }
          >
            End session<span class="sr-only"> {title}</span>
          </button>
        </div>
      </div>
      <p class="hint">
        Since {formatTime(session.start_time)} · {formatNumber(members.length)} of{' '}
        {formatNumber(session.max_members)} people · layout {session.layout}
        {session.locked ? ' · locked' : ''}
      </p>
      <Table<LiveMember>
        caption={`People in ${title}`}
        rows={members}
        rowKey={(m) => m.id}
        empty="Nobody right now."
        columns={[
          {
            label: 'Name',
            render: (m) => (
              <span class={talking.has(m.id) ? 'talking-name' : undefined}>
                {m.name}
                {talking.has(m.id) && <span class="badge small live"> talking</span>}
              </span>
            ),
          },
          { label: 'Joined', render: (m) => formatTime(m.join_time) },
          {
            label: 'State',
            render: (m) =>
              [
                m.join_as === 'audience' ? 'audience' : '',
                m.audio_muted ? 'microphone off' : 'microphone on',
                m.video_muted ? 'camera off' : 'camera on',
                m.reconnecting ? 'reconnecting' : '',
              ]
                .filter(Boolean)
                .join(' · '),
          },
          {
            label: 'Actions',
            render: (m) => (
              <span class="row-actions">
                {m.can_publish && (
                  <button
                    type="button"
                    class="small secondary"
                    onClick={() =>
                      setConfirm({
                        title: `${m.audio_muted ? 'Unmute' : 'Mute'} ${m.name}?`,
                        detail: m.audio_muted
                          ? 'Their microphone is heard again (they can mute themselves).'
                          : 'Nobody hears their microphone until it is unmuted.',
                        label: m.audio_muted ? 'Unmute' : 'Mute',
                        what: 'Microphone',
                        run: () =>
                          client.conclave.updateMember(session.id, m.id, {
                            audioMuted: !m.audio_muted,
                          }),
                      })
                    }
                  >
                    {m.audio_muted ? 'Unmute' : 'Mute'}
                    <span class="sr-only"> {m.name}</span>
                  </button>
                )}
                {m.can_publish && !m.video_muted && (
                  <button
                    type="button"
                    class="small secondary"
                    onClick={() =>
                      setConfirm({
                        title: `Stop ${m.name}'s video?`,
                        detail: 'Nobody sees their camera until they turn it on again.',
                        label: 'Stop video',
                        what: 'Camera',
                        run: () =>
                          client.conclave.updateMember(session.id, m.id, { videoMuted: true }),
                      })
                    }
                  >
                    Stop video<span class="sr-only"> of {m.name}</span>
                  </button>
                )}
                <button
                  type="button"
                  class="small danger"
                  onClick={() =>
                    setConfirm({
                      title: `Remove ${m.name}?`,
                      detail: 'They leave the meeting at once.',
                      label: 'Remove',
                      what: 'Remove',
                      run: () => client.conclave.removeMember(session.id, m.id),
                    })
                  }
                >
                  Remove<span class="sr-only"> {m.name}</span>
                </button>
              </span>
            ),
          },
        ]}
      />
      {confirm && (
        <ConfirmDialog
          title={confirm.title}
          detail={confirm.detail}
          confirm={confirm.label}
          onCancel={() => setConfirm(undefined)}
          onConfirm={() => {
            const { run, what } = confirm;
            setConfirm(undefined);
            void act(run, what);
          }}
        />
      )}
    </section>
  );
}
