/** A conference's or room's RTMP streams: list, add, remove. */
import type { PagePromise, Stream } from '@conclave/sdk';
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ConfirmDialog } from '../ui/dialogs.js';
import { formatDateTime } from './format.js';
import {
  ErrorText,
  Field,
  Pager,
  Table,
  fieldErrors,
  useClient,
  usePaged,
  useRequest,
  type FieldErrors,
} from './kit.js';

export function Streams({
  list,
  create,
}: {
  list(params: Record<string, string | number | boolean>): PagePromise<Stream>;
  create(url: string): Promise<Stream>;
}): JSX.Element {
  const client = useClient();
  const request = useRequest();
  const paged = usePaged(list, {});
  const [url, setUrl] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [removing, setRemoving] = useState<Stream | undefined>();
  return (
    <section class="card" aria-labelledby="streams-title">
      <h2 id="streams-title">Streams</h2>
      <ErrorText text={paged.error} />
      <Table
        caption="Streams"
        rows={paged.page?.data ?? []}
        rowKey={(s) => s.id}
        loading={paged.loading}
        empty="No streams."
        columns={[
          { label: 'URL', render: (s) => <code class="wrap">{s.url}</code> },
          { label: 'Type', render: (s) => s.stream_type ?? '—' },
          { label: 'Created', render: (s) => formatDateTime(s.created_at) },
          {
            label: 'Actions',
            render: (s) => (
              <button type="button" class="small danger" onClick={() => setRemoving(s)}>
                Delete<span class="sr-only"> stream {s.url}</span>
              </button>
            ),
          },
        ]}
      />
      <Pager paged={paged} label="Streams" />
      <form
        class="inline-form"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await request(() => create(url.trim()));
            setUrl('');
            setErrors({});
            paged.reload();
          } catch (error) {
            setErrors(fieldErrors(error));
          }
        }}
      >
        <Field
          name="url"
          label="New stream URL"
          error={errors.url ?? errors['']}
          help="rtmp:// or rtmps://"
        >
          {(p) => (
            <input
              {...p}
              value={url}
              onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
            />
          )}
        </Field>
        <button type="submit" class="primary">
          Add stream
        </button>
      </form>
      {removing && (
        <ConfirmDialog
          title="Delete this stream?"
          detail={removing.url ?? ''}
          confirm="Delete"
          onCancel={() => setRemoving(undefined)}
          onConfirm={() => {
            const id = removing.id;
            setRemoving(undefined);
            void request(() => client.video.streams.delete(id), 'Delete stream').then(() =>
              paged.reload(),
            );
          }}
        />
      )}
    </section>
  );
}
