/** The administrator's screens: projects and their API tokens. */
import type { AdminClient, ApiToken, CreatedApiToken, Project } from '@conclave/sdk';
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ConfirmDialog } from '../ui/dialogs.js';
import { formatDateTime } from './format.js';
import {
  CopyButton,
  ErrorText,
  Field,
  Heading,
  Pager,
  Table,
  fieldErrors,
  useConsole,
  usePaged,
  useRequest,
  type FieldErrors,
} from './kit.js';
import { href, navigate } from './router.js';

function useAdmin(): AdminClient {
  const { admin } = useConsole();
  if (!admin) throw new Error('not signed in as the administrator');
  return admin;
}

/** A one-field create form, its errors beside the field. */
function NameForm({
  label,
  submit,
  onSubmit,
}: {
  label: string;
  submit: string;
  onSubmit(name: string): Promise<void>;
}): JSX.Element {
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  return (
    <form
      class="inline-form"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await onSubmit(name.trim());
          setName('');
          setErrors({});
        } catch (error) {
          setErrors(fieldErrors(error));
        }
      }}
    >
      <Field name="name" label={label} error={errors.name ?? errors['']}>
        {(p) => (
          <input
            {...p}
            value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
        )}
      </Field>
      <button type="submit" class="primary">
        {submit}
      </button>
    </form>
  );
}

export function ProjectsList(): JSX.Element {
  const admin = useAdmin();
  const request = useRequest();
  const paged = usePaged((p) => admin.projects.list(p), { page_size: 25 });
  return (
    <>
      <Heading title="Projects" />
      <NameForm
        label="New project's name"
        submit="Create project"
        onSubmit={async (name) => {
          const project = await request(() => admin.projects.create({ name }));
          if (project) navigate(`projects/${project.id}`);
        }}
      />
      <ErrorText text={paged.error} />
      <Table<Project>
        caption="Projects"
        rows={paged.page?.data ?? []}
        rowKey={(p) => p.id}
        loading={paged.loading}
        empty="No projects."
        columns={[
          { label: 'Name', render: (p) => <a href={href(`projects/${p.id}`)}>{p.name}</a> },
          { label: 'Project ID', render: (p) => <code>{p.id}</code> },
          { label: 'Created', render: (p) => formatDateTime(p.created_at) },
        ]}
      />
      <Pager paged={paged} label="Projects" />
    </>
  );
}

export function ProjectDetail({ id }: { id: string }): JSX.Element {
  const admin = useAdmin();
  const request = useRequest();
  const { notify } = useConsole();
  const tokens = usePaged((p) => admin.apiTokens.list(id, p), { page_size: 50 });
  const [created, setCreated] = useState<CreatedApiToken | undefined>();
  const [revoking, setRevoking] = useState<ApiToken | undefined>();
  const [deleting, setDeleting] = useState(false);
  return (
    <>
      <Heading title="Project">
        <button type="button" class="danger" onClick={() => setDeleting(true)}>
          Delete project
        </button>
      </Heading>
      <p>
        Project ID <code>{id}</code> <CopyButton text={id} label="Copy project ID" />
      </p>
      <section class="card" aria-labelledby="api-tokens-title">
        <h2 id="api-tokens-title">API tokens</h2>
        <NameForm
          label="New token's name"
          submit="Create API token"
          onSubmit={async (name) => {
            const token = await request(() => admin.apiTokens.create(id, { name }));
            if (token) {
              setCreated(token);
              tokens.reload();
            }
          }}
        />
        {created && (
          <div class="issued" role="status">
            <p>
              <strong>{created.name}</strong>: copy the token now, it is not shown again.
            </p>
            <p>
              <code class="wrap">{created.token}</code>{' '}
              <CopyButton text={created.token} label="Copy API token" />
            </p>
          </div>
        )}
        <ErrorText text={tokens.error} />
        <Table<ApiToken>
          caption="API tokens"
          rows={tokens.page?.data ?? []}
          rowKey={(t) => t.id}
          loading={tokens.loading}
          empty="No API tokens."
          columns={[
            { label: 'Name', render: (t) => t.name },
            { label: 'Starts with', render: (t) => <code>{t.prefix}…</code> },
            { label: 'Scopes', render: (t) => t.scopes.join(', ') },
            { label: 'Created', render: (t) => formatDateTime(t.created_at) },
            {
              label: 'Actions',
              render: (t) => (
                <button type="button" class="small danger" onClick={() => setRevoking(t)}>
                  Revoke<span class="sr-only"> {t.name}</span>
                </button>
              ),
            },
          ]}
        />
        <Pager paged={tokens} label="API tokens" />
      </section>
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.name}?`}
          detail="Everything using it is refused from now on."
          confirm="Revoke"
          onCancel={() => setRevoking(undefined)}
          onConfirm={() => {
            const tokenId = revoking.id;
            setRevoking(undefined);
            void request(() => admin.apiTokens.revoke(id, tokenId), 'Revoke').then(() => {
              notify('API token revoked.');
              tokens.reload();
            });
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete this project?"
          detail="Its conferences, rooms, sessions, recordings and tokens are deleted."
          confirm="Delete project"
          onCancel={() => setDeleting(false)}
          onConfirm={() => {
            setDeleting(false);
            void request(() => admin.projects.delete(id), 'Delete').then(() => {
              notify('Project deleted.');
              navigate('projects');
            });
          }}
        />
      )}
    </>
  );
}
