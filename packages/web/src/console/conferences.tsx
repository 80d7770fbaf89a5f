/** Conferences: the list (the API's filters, keyset pages), create, edit, delete, tokens, streams. */
import { joinUrl, type Conference, type ConferenceToken } from '@conclave/sdk';
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ConfirmDialog } from '../ui/dialogs.js';
import { formatDateTime } from './format.js';
import {
  CheckField,
  CopyButton,
  ErrorText,
  Field,
  Heading,
  Pager,
  Table,
  useClient,
  useConsole,
  usePaged,
  useRequest,
} from './kit.js';
import { ResourceForm, type FieldSpec } from './resource-form.js';
import { ResourcePage } from './resource-page.js';
import { InProgress, nowColumn } from './in-progress.js';
import { href, navigate } from './router.js';
import { Streams } from './streams.js';
import { LAYOUT_VALUES } from './vocabulary.js';

const COLORS = ['primary', 'background', 'foreground', 'success', 'negative'] as const;

export const CONFERENCE_FIELDS: FieldSpec[] = [
  { name: 'display_name', label: 'Display name', kind: 'text' },
  {
    name: 'name',
    label: 'Name',
    kind: 'text',
    createOnly: true,
    help: 'Unique in the project; made from the display name when empty.',
  },
  { name: 'description', label: 'Description', kind: 'textarea' },
  { name: 'join_from', label: 'Join from', kind: 'datetime', help: 'Your local time.' },
  { name: 'join_until', label: 'Join until', kind: 'datetime', help: 'Your local time.' },
  {
    name: 'size',
    label: 'Size',
    kind: 'select',
    options: ['small', 'medium', 'large'],
    help: 'Up to 10, 50 or 300 people.',
  },
  { name: 'layout', label: 'Layout', kind: 'select', options: LAYOUT_VALUES },
  { name: 'quality', label: 'Quality', kind: 'select', options: ['720p', '1080p'] },
  { name: 'enable_chat', label: 'Chat', kind: 'bool', initial: true },
  { name: 'tone_on_entry_and_exit', label: 'Tone on entry and exit', kind: 'bool', initial: true },
  { name: 'record_on_start', label: 'Record on start', kind: 'bool' },
  { name: 'user_join_video_off', label: 'Guests join with video off', kind: 'bool' },
  { name: 'room_join_video_off', label: 'Moderators join with video off', kind: 'bool' },
  { name: 'enable_room_previews', label: 'Room previews', kind: 'bool' },
  ...(['dark', 'light'] as const).flatMap((scheme) =>
    COLORS.map((c): FieldSpec => ({
      name: `${scheme}_${c}`,
      label: `${scheme === 'dark' ? 'Dark' : 'Light'} ${c}`,
      kind: 'color',
    })),
  ),
];

export function ConferencesList(): JSX.Element {
  const client = useClient();
  const [startsAfter, setStartsAfter] = useState('');
  const [endsBefore, setEndsBefore] = useState('');
  const [active, setActive] = useState(true);
  const paged = usePaged((p) => client.video.conferences.list(p), {
    starts_after: startsAfter,
    ends_before: endsBefore,
    include_active_session: active || undefined,
    page_size: 25,
  });
  return (
    <>
      <Heading title="Conferences">
        <a class="button primary" href={href('conferences/new')}>
          New conference
        </a>
      </Heading>
      <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <Field name="starts_after" label="Join from on or after">
          {(p) => (
            <input
              {...p}
              type="date"
              value={startsAfter}
              onInput={(e) => setStartsAfter((e.target as HTMLInputElement).value)}
            />
          )}
        </Field>
        <Field name="ends_before" label="Join until on or before">
          {(p) => (
            <input
              {...p}
              type="date"
              value={endsBefore}
              onInput={(e) => setEndsBefore((e.target as HTMLInputElement).value)}
            />
          )}
        </Field>
        <CheckField
          name="include_active_session"
          label="Show sessions in progress"
          checked={active}
          onChange={setActive}
        />
      </form>
      <ErrorText text={paged.error} />
      <Table<Conference>
        caption="Conferences"
        rows={paged.page?.data ?? []}
        rowKey={(c) => c.id}
        loading={paged.loading}
        empty="No conferences."
        columns={[
          {
            label: 'Display name',
            render: (c) => <a href={href(`conferences/${c.id}`)}>{c.display_name ?? c.name}</a>,
          },
          { label: 'Name', render: (c) => c.name },
          { label: 'Join from', render: (c) => formatDateTime(c.join_from) },
          { label: 'Join until', render: (c) => formatDateTime(c.join_until) },
          { label: 'Size', render: (c) => c.size },
          ...(active ? [nowColumn] : []),
          { label: 'Created', render: (c) => formatDateTime(c.created_at) },
        ]}
      />
      <Pager paged={paged} label="Conferences" />
    </>
  );
}

export function ConferenceNew(): JSX.Element {
  const client = useClient();
  const request = useRequest();
  return (
    <>
      <Heading title="New conference" />
      <ResourceForm
        specs={CONFERENCE_FIELDS}
        submitLabel="Create conference"
        onCancel={() => navigate('conferences')}
        onSubmit={async (body) => {
          const created = await request(() =>
            client.video.conferences.create(
              body as Parameters<typeof client.video.conferences.create>[0],
            ),
          );
          if (created) navigate(`conferences/${created.id}`);
        }}
      />
    </>
  );
}

export function ConferenceDetail({ id }: { id: string }): JSX.Element {
  const client = useClient();
  return (
    <ResourcePage<Conference>
      noun="conference"
      listPath="conferences"
      load={() => client.video.conferences.get(id, { include_active_session: true })}
      update={(body) =>
        client.video.conferences.update(
          id,
          body as Parameters<typeof client.video.conferences.update>[1],
        )
      }
      remove={() => client.video.conferences.delete(id)}
      title={(c) => c.display_name ?? c.name}
      specs={CONFERENCE_FIELDS}
      deleteDetail="Its tokens stop working and anyone in it now is let go."
      merge={(updated, before) => ({ ...updated, active_session: before.active_session })}
      details={(c) => [
        ['Name', c.name],
        ['Join window', `${formatDateTime(c.join_from)} – ${formatDateTime(c.join_until)}`],
        ['Size', c.size],
        ['Layout', c.layout],
        ['Chat', c.enable_chat ? 'on' : 'off'],
        ['Now', <InProgress resource={c} />],
        ['Created', formatDateTime(c.created_at)],
      ]}
    >
      {() => (
        <>
          <Tokens conferenceId={id} />
          <Streams
            list={(p) => client.video.conferences.listStreams(id, p)}
            create={(url) => client.video.conferences.createStream(id, { url })}
          />
        </>
      )}
    </ResourcePage>
  );
}

function Tokens({ conferenceId }: { conferenceId: string }): JSX.Element {
  const client = useClient();
  const request = useRequest();
  const { notify } = useConsole();
  const paged = usePaged((p) => client.video.conferences.listConferenceTokens(conferenceId, p), {});
  const [resetting, setResetting] = useState<ConferenceToken | undefined>();
  return (
    <section class="card" aria-labelledby="tokens-title">
      <h2 id="tokens-title">Tokens</h2>
      <p class="hint">
        Anyone with a link joins with its token's permissions. Reset a token to stop its link
        working.
      </p>
      <ErrorText text={paged.error} />
      <Table<ConferenceToken>
        caption="Tokens"
        rows={paged.page?.data ?? []}
        rowKey={(t) => t.id}
        loading={paged.loading}
        empty="No tokens."
        columns={[
          { label: 'Name', render: (t) => t.name ?? '—' },
          { label: 'Token', render: (t) => <code class="wrap">{t.token}</code> },
          { label: 'Permissions', render: (t) => `${t.scopes.length}`, numeric: true },
          {
            label: 'Actions',
            render: (t) => {
              const link = joinUrl(location.origin, t.token);
              return (
                <span class="row-actions">
                  <CopyButton text={t.token} label={`Copy ${t.name ?? ''} token`} />
                  <CopyButton text={link} label={`Copy ${t.name ?? ''} link`} />
                  <a
                    class="button small secondary"
                    href={link}
                    target="_blank"
                    rel="noopener noreferrer"
                  >
                    Open {t.name ?? ''} link
                  </a>
                  <button type="button" class="small danger" onClick={() => setResetting(t)}>
                    Reset<span class="sr-only"> {t.name} token</span>
                  </button>
                </span>
              );
            },
          },
        ]}
      />
      {resetting && (
        <ConfirmDialog
          title={`Reset the ${resetting.name ?? ''} token?`}
          detail="Its old links stop working for new joins; people already in stay."
          confirm="Reset"
          onCancel={() => setResetting(undefined)}
          onConfirm={() => {
            const id = resetting.id;
            setResetting(undefined);
            void request(() => client.video.conferenceTokens.reset(id), 'Reset').then(() => {
              notify('Token reset: share its new link.');
              paged.reload();
            });
          }}
        />
      )}
    </section>
  );
}
