/** Rooms: the list, create, edit, delete, a room token with its join link, streams. */
import { joinUrl, type Room } from '@conclave/sdk';
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { formatDateTime, fromLocalInput } from './format.js';
import {
  CheckField,
  CopyButton,
  ErrorText,
  Field,
  Heading,
  Pager,
  Table,
  fieldErrors,
  useClient,
  usePaged,
  useRequest,
  type FieldErrors,
} from './kit.js';
import { ResourceForm, type FieldSpec } from './resource-form.js';
import { ResourcePage } from './resource-page.js';
import { InProgress, nowColumn } from './in-progress.js';
import { href, navigate } from './router.js';
import { Streams } from './streams.js';
import { GUEST_PERMISSIONS, LAYOUT_VALUES, MODERATOR_PERMISSIONS } from './vocabulary.js';

export const ROOM_FIELDS: FieldSpec[] = [
  {
    name: 'name',
    label: 'Name',
    kind: 'text',
    createOnly: true,
    help: 'Letters, digits, - and _; unique in the project.',
  },
  { name: 'display_name', label: 'Display name', kind: 'text' },
  { name: 'description', label: 'Description', kind: 'textarea' },
  { name: 'max_members', label: 'Most people at once', kind: 'int', help: '1 to 300.' },
  { name: 'join_from', label: 'Join from', kind: 'datetime', help: 'Your local time.' },
  { name: 'join_until', label: 'Join until', kind: 'datetime', help: 'Your local time.' },
  { name: 'remove_at', label: 'Remove everyone at', kind: 'datetime', help: 'Your local time.' },
  {
    name: 'remove_after_seconds_elapsed',
    label: 'Remove each person after (seconds)',
    kind: 'int',
  },
  { name: 'layout', label: 'Layout', kind: 'select', options: LAYOUT_VALUES },
  { name: 'quality', label: 'Quality', kind: 'select', options: ['720p', '1080p'] },
  { name: 'tone_on_entry_and_exit', label: 'Tone on entry and exit', kind: 'bool', initial: true },
  { name: 'record_on_start', label: 'Record on start', kind: 'bool' },
  { name: 'room_join_video_off', label: 'Join with video off', kind: 'bool' },
  { name: 'enable_room_previews', label: 'Room previews', kind: 'bool' },
];

export function RoomsList(): JSX.Element {
  const client = useClient();
  const [active, setActive] = useState(true);
  const paged = usePaged((p) => client.video.rooms.list(p), {
    include_active_session: active || undefined,
    page_size: 25,
  });
  return (
    <>
      <Heading title="Rooms">
        <a class="button primary" href={href('rooms/new')}>
          New room
        </a>
      </Heading>
      <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <CheckField
          name="include_active_session"
          label="Show sessions in progress"
          checked={active}
          onChange={setActive}
        />
      </form>
      <ErrorText text={paged.error} />
      <Table<Room>
        caption="Rooms"
        rows={paged.page?.data ?? []}
        rowKey={(r) => r.id}
        loading={paged.loading}
        empty="No rooms."
        columns={[
          { label: 'Name', render: (r) => <a href={href(`rooms/${r.id}`)}>{r.name}</a> },
          { label: 'Display name', render: (r) => r.display_name ?? '—' },
          { label: 'Most people', render: (r) => r.max_members, numeric: true },
          ...(active ? [nowColumn] : []),
          { label: 'Created', render: (r) => formatDateTime(r.created_at) },
        ]}
      />
      <Pager paged={paged} label="Rooms" />
    </>
  );
}

export function RoomNew(): JSX.Element {
  const client = useClient();
  const request = useRequest();
  return (
    <>
      <Heading title="New room" />
      <ResourceForm
        specs={ROOM_FIELDS}
        submitLabel="Create room"
        onCancel={() => navigate('rooms')}
        onSubmit={async (body) => {
          const created = await request(() =>
            client.video.rooms.create(body as Parameters<typeof client.video.rooms.create>[0]),
          );
          if (created) navigate(`rooms/${created.id}`);
        }}
      />
    </>
  );
}

export function RoomDetail({ id }: { id: string }): JSX.Element {
  const client = useClient();
  return (
    <ResourcePage<Room>
      noun="room"
      listPath="rooms"
      load={() => client.video.rooms.get(id, { include_active_session: true })}
      update={(body) =>
        client.video.rooms.update(id, body as Parameters<typeof client.video.rooms.update>[1])
      }
      remove={() => client.video.rooms.delete(id)}
      title={(r) => r.display_name ?? r.name}
      specs={ROOM_FIELDS}
      deleteDetail="Anyone in it now is let go; its room tokens stop working."
      merge={(updated, before) => ({ ...updated, active_session: before.active_session })}
      details={(r) => [
        ['Name', r.name],
        ['Join window', `${formatDateTime(r.join_from)} – ${formatDateTime(r.join_until)}`],
        ['Most people', r.max_members],
        ['Layout', r.layout],
        ['Now', <InProgress resource={r} />],
        ['Created', formatDateTime(r.created_at)],
      ]}
    >
      {(r) => (
        <>
          <RoomToken roomName={r.name} />
          <Streams
            list={(p) => client.video.rooms.listStreams(id, p)}
            create={(url) => client.video.rooms.createStream(id, { url })}
          />
        </>
      )}
    </ResourcePage>
  );
}

/** Issues a room token for one person and gives its join link. */
function RoomToken({ roomName }: { roomName: string }): JSX.Element {
  const client = useClient();
  const request = useRequest();
  const [userName, setUserName] = useState('');
  const [role, setRole] = useState<'guest' | 'moderator'>('guest');
  const [audience, setAudience] = useState(false);
  const [joinUntil, setJoinUntil] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [issued, setIssued] = useState<string | undefined>();
  return (
    <section class="card" aria-labelledby="room-token-title">
      <h2 id="room-token-title">Invite someone</h2>
      <p class="hint">A room token for one person: their name, what they may do, until when.</p>
      <form
        class="form-grid"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            const until = fromLocalInput(joinUntil);
            const response = await request(() =>
              client.video.roomTokens.create({
                room_name: roomName,
                ...(userName.trim() ? { user_name: userName.trim() } : {}),
                permissions: [
                  ...(role === 'moderator' ? MODERATOR_PERMISSIONS : GUEST_PERMISSIONS),
                ],
                join_as: audience ? 'audience' : 'member',
                ...(until ? { join_until: until } : {}),
              }),
            );
            if (response) {
              setIssued(response.token);
              setErrors({});
            }
          } catch (error) {
            setErrors(fieldErrors(error));
          }
        }}
      >
        <ErrorText text={errors[''] ?? errors.room_name} />
        <Field
          name="user_name"
          label="Their name"
          error={errors.user_name}
          help="Empty: they give their own name when they join."
        >
          {(p) => (
            <input
              {...p}
              value={userName}
              onInput={(e) => setUserName((e.target as HTMLInputElement).value)}
            />
          )}
        </Field>
        <Field name="role" label="Permissions" error={errors.permissions}>
          {(p) => (
            <select
              {...p}
              value={role}
              onChange={(e) =>
                setRole((e.target as HTMLSelectElement).value as 'guest' | 'moderator')
              }
            >
              <option value="guest">Guest: their own microphone, camera and screen</option>
              <option value="moderator">Moderator: also mute, remove, lock, layout</option>
            </select>
          )}
        </Field>
        <Field
          name="join_until"
          label="Valid until"
          error={errors.join_until}
          help="Your local time; empty: no limit."
        >
          {(p) => (
            <input
              {...p}
              type="datetime-local"
              value={joinUntil}
              onInput={(e) => setJoinUntil((e.target as HTMLInputElement).value)}
            />
          )}
        </Field>
        <CheckField
          name="join_as"
          label="Audience (watch and listen only)"
          checked={audience}
          onChange={setAudience}
        />
        <div class="actions">
          <button type="submit" class="primary">
            Create invitation
          </button>
        </div>
      </form>
      {issued && (
        <div class="issued" role="status">
          <p>
            Invitation ready.{' '}
            <span class="hint">The link is shown once here; it is not stored.</span>
          </p>
          <p>
            <code class="wrap">{joinUrl(location.origin, issued)}</code>
          </p>
          <span class="row-actions">
            <CopyButton text={joinUrl(location.origin, issued)} label="Copy invitation link" />
            <a
              class="button small secondary"
              href={joinUrl(location.origin, issued)}
              target="_blank"
              rel="noopener noreferrer"
            >
              Open invitation link
            </a>
          </span>
        </div>
      )}
    </section>
  );
}
