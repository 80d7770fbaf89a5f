/** What happened: sessions (members, events, recordings), recordings, video logs. */
import type {
  RoomRecording,
  RoomSession,
  RoomSessionEvent,
  RoomSessionMember,
  VideoLog,
} from '@conclave/sdk';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ConfirmDialog } from '../ui/dialogs.js';
import { formatBytes, formatDateTime, formatDuration, formatTime } from './format.js';
import {
  ErrorText,
  Field,
  Heading,
  Loading,
  Pager,
  Table,
  describeError,
  useClient,
  useConsole,
  usePaged,
  useRequest,
} from './kit.js';
import { href } from './router.js';

export function SessionsList(): JSX.Element {
  const client = useClient();
  const [status, setStatus] = useState('');
  const [match, setMatch] = useState('');
  const paged = usePaged((p) => client.video.roomSessions.list(p), {
    status,
    room_name_matches: match.trim(),
    page_size: 25,
  });
  return (
    <>
      <Heading title="Sessions" />
      <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <Field name="status" label="Status">
          {(p) => (
            <select
              {...p}
              value={status}
              onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}
            >
              <option value="">All</option>
              <option value="in-progress">In progress</option>
              <option value="completed">Completed</option>
            </select>
          )}
        </Field>
        <Field name="room_name_matches" label="Name contains">
          {(p) => (
            <input
              {...p}
              type="search"
              value={match}
              onInput={(e) => setMatch((e.target as HTMLInputElement).value)}
            />
          )}
        </Field>
      </form>
      <ErrorText text={paged.error} />
      <Table<RoomSession>
        caption="Sessions"
        rows={paged.page?.data ?? []}
        rowKey={(s) => s.id}
        loading={paged.loading}
        empty="No sessions."
        columns={[
          {
            label: 'Name',
            render: (s) => (
              <a href={href(`sessions/${s.id}`)}>{s.display_name ?? s.name ?? s.id}</a>
            ),
          },
          {
            label: 'Status',
            render: (s) => (s.status === 'in-progress' ? 'In progress' : 'Completed'),
          },
          { label: 'Started', render: (s) => formatDateTime(s.start_time) },
          { label: 'Ended', render: (s) => formatDateTime(s.end_time) },
          { label: 'Duration', render: (s) => formatDuration(s.duration), numeric: true },
        ]}
      />
      <Pager paged={paged} label="Sessions" />
    </>
  );
}

export function SessionDetail({ id }: { id: string }): JSX.Element {
  const client = useClient();
  const request = useRequest();
  const [session, setSession] = useState<
    Awaited<ReturnType<typeof client.video.roomSessions.get>> | undefined
  >();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    request(() => client.video.roomSessions.get(id))
      .then((s) => s && setSession(s))
      .catch((e: unknown) => setError(describeError(e)));
  }, [id]);
  const members = usePaged((p) => client.video.roomSessions.listMembers(id, p), { page_size: 50 });
  const events = usePaged((p) => client.video.roomSessions.listEvents(id, p), { page_size: 50 });
  if (error) return <ErrorText text={error} />;
  if (!session) return <Loading what="the session" />;
  return (
    <>
      <Heading title={session.display_name ?? session.name ?? 'Session'} />
      <section class="card" aria-label="Details">
        <dl class="details">
          <dt>Status</dt>
          <dd>{session.status === 'in-progress' ? 'In progress' : 'Completed'}</dd>
          <dt>Started</dt>
          <dd>{formatDateTime(session.start_time)}</dd>
          <dt>Ended</dt>
          <dd>{formatDateTime(session.end_time)}</dd>
          <dt>Duration</dt>
          <dd>{formatDuration(session.duration)}</dd>
          <dt>Layout</dt>
          <dd>{session.layout ?? '—'}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        <ErrorText text={members.error} />
        <Table<RoomSessionMember>
          caption="Members"
          rows={members.page?.data ?? []}
          rowKey={(m) => m.id}
          loading={members.loading}
          empty="Nobody joined."
          columns={[
            { label: 'Name', render: (m) => m.name ?? '—' },
            { label: 'Joined', render: (m) => formatDateTime(m.join_time) },
            {
              label: 'Left',
              render: (m) => (m.leave_time ? formatDateTime(m.leave_time) : 'Still in'),
            },
            { label: 'Duration', render: (m) => formatDuration(m.duration), numeric: true },
          ]}
        />
        <Pager paged={members} label="Members" />
      </section>
      <section class="card" aria-labelledby="events-title">
        <h2 id="events-title">Events</h2>
        <ErrorText text={events.error} />
        <Table<RoomSessionEvent>
          caption="Events"
          rows={events.page?.data ?? []}
          rowKey={(e) => e.id}
          loading={events.loading}
          empty="No events."
          columns={[
            { label: 'Time', render: (e) => formatTime(e.created_at) },
            { label: 'Event', render: (e) => e.name },
            { label: 'Details', render: (e) => <code class="wrap">{summarize(e.payload)}</code> },
          ]}
        />
        <Pager paged={events} label="Events" />
      </section>
      <Recordings sessionId={id} />
    </>
  );
}

function summarize(payload: Record<string, unknown>): string {
  const text = JSON.stringify(payload);
  return text === '{}' ? '' : text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

/** Recordings (of one session, or all), each playable in the page. */
export function Recordings({ sessionId }: { sessionId?: string }): JSX.Element {
  const client = useClient();
  const request = useRequest();
  const { notify } = useConsole();
  const paged = usePaged(
    (p) =>
      sessionId
        ? client.video.roomSessions.listRecordings(sessionId, p)
        : client.video.roomRecordings.list(p),
    { page_size: 25 },
  );
  const [playing, setPlaying] = useState<RoomRecording | undefined>();
  const [deleting, setDeleting] = useState<RoomRecording | undefined>();
  const body = (
    <>
      <ErrorText text={paged.error} />
      <Table<RoomRecording>
        caption="Recordings"
        rows={paged.page?.data ?? []}
        rowKey={(r) => r.id}
        loading={paged.loading}
        empty="No recordings."
        columns={[
          { label: 'Started', render: (r) => formatDateTime(r.started_at) },
          { label: 'Duration', render: (r) => formatDuration(r.duration), numeric: true },
          { label: 'Size', render: (r) => formatBytes(r.size_in_bytes), numeric: true },
          { label: 'Format', render: (r) => r.format ?? '—' },
          { label: 'Status', render: (r) => r.status ?? '—' },
          ...(sessionId
            ? []
            : [
                {
                  label: 'Session',
                  render: (r: RoomRecording) => (
                    <a href={href(`sessions/${r.room_session_id}`)}>Open</a>
                  ),
                },
              ]),
          {
            label: 'Actions',
            render: (r) => (
              <span class="row-actions">
                <button
                  type="button"
                  class="small secondary"
                  disabled={!r.uri}
                  onClick={() => setPlaying(r)}
                >
                  Play<span class="sr-only"> recording from {formatDateTime(r.started_at)}</span>
                </button>
                <button type="button" class="small danger" onClick={() => setDeleting(r)}>
                  Delete<span class="sr-only"> recording from {formatDateTime(r.started_at)}</span>
                </button>
              </span>
            ),
          },
        ]}
      />
      <Pager paged={paged} label="Recordings" />
      {playing?.uri && (
        <figure class="player">
          <video src={playing.uri} controls autoplay playsInline aria-label="Recording" />
          <figcaption>
            Recording from {formatDateTime(playing.started_at)}{' '}
            <button type="button" class="small secondary" onClick={() => setPlaying(undefined)}>
              Close player
            </button>
          </figcaption>
        </figure>
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete this recording?"
          detail="Its file is deleted; the session's events stay."
          confirm="Delete"
          onCancel={() => setDeleting(undefined)}
          onConfirm={() => {
            const id = deleting.id;
            setDeleting(undefined);
            if (playing?.id === id) setPlaying(undefined);
            void request(() => client.video.roomRecordings.delete(id), 'Delete recording').then(
              () => {
                notify('Recording deleted.');
                paged.reload();
              },
            );
          }}
        />
      )}
    </>
  );
  if (sessionId) {
    return (
      <section class="card" aria-labelledby="recordings-title">
        <h2 id="recordings-title">Recordings</h2>
        {body}
      </section>
    );
  }
  return (
    <>
      <Heading title="Recordings" />
      {body}
    </>
  );
}

export function LogsList(): JSX.Element {
  const client = useClient();
  const paged = usePaged((p) => client.video.logs.list(p), { page_size: 25 });
  return (
    <>
      <Heading title="Video logs" />
      <ErrorText text={paged.error} />
      <Table<VideoLog>
        caption="Video logs"
        rows={paged.page?.data ?? []}
        rowKey={(l) => l.id}
        loading={paged.loading}
        empty="No logs."
        columns={[
          { label: 'Created', render: (l) => formatDateTime(l.created_at) },
          { label: 'Room', render: (l) => ('room_name' in l ? (l.room_name ?? '—') : 'discarded') },
          { label: 'Type', render: (l) => ('type' in l ? l.type : '—') },
          { label: 'Status', render: (l) => ('status' in l ? (l.status ?? '—') : '—') },
          {
            label: 'Started',
            render: (l) => ('started_at' in l ? formatDateTime(l.started_at) : '—'),
          },
          { label: 'Ended', render: (l) => ('ended_at' in l ? formatDateTime(l.ended_at) : '—') },
        ]}
      />
      <Pager paged={paged} label="Video logs" />
    </>
  );
}
