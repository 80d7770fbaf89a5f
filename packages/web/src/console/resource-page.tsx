/** A conference's or room's page: its details or its edit form, Delete (confirmed), and more. */
import { Fragment, type ComponentChildren, type JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ConfirmDialog } from '../ui/dialogs.js';
import { ErrorText, Heading, Loading, describeError, useConsole, useRequest } from './kit.js';
import { ResourceForm, type FieldSpec } from './resource-form.js';
import { navigate } from './router.js';

export interface ResourcePageProps<T> {
  /** "conference", "room": in messages. */
  noun: string;
  /** Where Delete leads (`conferences`). */
  listPath: string;
  load(): Promise<T>;
  update(body: Record<string, unknown>): Promise<T>;
  remove(): Promise<void>;
  title(resource: T): string;
  specs: FieldSpec[];
  /** What Delete does besides, in words. */
  deleteDetail: string;
  /** Rows of the details list: label, value. */
  details(resource: T): [string, ComponentChildren][];
  /** Keeps what an update does not return (`active_session`). */
  merge?(updated: T, before: T): T;
  children?(resource: T): ComponentChildren;
}

export function ResourcePage<T>(props: ResourcePageProps<T>): JSX.Element {
  const request = useRequest();
  const { notify } = useConsole();
  const [resource, setResource] = useState<T | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  useEffect(() => {
    request(props.load)
      .then((r) => r && setResource(r))
      .catch((e: unknown) => setError(describeError(e)));
  }, []);
  if (error) return <ErrorText text={error} />;
  if (!resource) return <Loading what={`the ${props.noun}`} />;
  const title = props.title(resource);
  return (
    <>
      <Heading title={title}>
        <button
          type="button"
          class="secondary"
          aria-pressed={editing}
          onClick={() => setEditing(!editing)}
        >
          Edit
        </button>
        <button type="button" class="danger" onClick={() => setDeleting(true)}>
          Delete
        </button>
      </Heading>
      {editing ? (
        <section class="card" aria-label="Edit">
          <ResourceForm
            specs={props.specs}
            resource={resource as Record<string, unknown>}
            submitLabel="Save"
            onCancel={() => setEditing(false)}
            onSubmit={async (body) => {
              const updated = await request(() => props.update(body));
              if (updated) {
                setResource(props.merge ? props.merge(updated, resource) : updated);
                setEditing(false);
                notify('Saved.');
              }
            }}
          />
        </section>
      ) : (
        <section class="card" aria-label="Details">
          <dl class="details">
            {props.details(resource).map(([label, value]) => (
              <Fragment key={label}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </Fragment>
            ))}
          </dl>
        </section>
      )}
      {props.children?.(resource)}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${title}?`}
          detail={props.deleteDetail}
          confirm="Delete"
          onCancel={() => setDeleting(false)}
          onConfirm={() => {
            setDeleting(false);
            void request(props.remove, 'Delete').then(() => {
              notify(`${props.noun[0]!.toUpperCase()}${props.noun.slice(1)} deleted.`);
              navigate(props.listPath);
            });
          }}
        />
      )}
    </>
  );
}
