/** The console's building blocks: who is signed in, paged lists, tables, forms, notices. */
import type {
  AdminClient,
  Page,
  PagePromise,
  RestClient,
  ValidationErrorItem,
} from '@conclave/sdk';
import { ApiError } from '@conclave/sdk';
import type { ComponentChildren, JSX } from 'preact';
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useId, useRef, useState } from 'preact/hooks';
import type { Credentials } from './auth.js';
import { isAuthError } from './auth.js';

export interface ConsoleContextValue {
  credentials: Credentials;
  /** The Video API client (project sign-in). */
  client: RestClient | undefined;
  /** The admin API client (admin sign-in). */
  admin: AdminClient | undefined;
  signOut(reason?: string): void;
  notify(text: string): void;
}

export const ConsoleContext = createContext<ConsoleContextValue | undefined>(undefined);

export function useConsole(): ConsoleContextValue {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('outside the console');
  return value;
}

export function useClient(): RestClient {
  const { client } = useConsole();
  if (!client) throw new Error('not signed in to a project');
  return client;
}

export const REVOKED =
  'Signed out: the credentials are no longer accepted (revoked, or the project was deleted).';

/** What went wrong, in words (an API error's own message, field problems aside). */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 404) return 'Not found: it may have been deleted.';
    if (error.status === 429) return 'Too many requests: wait a moment and try again.';
    if (error.errors.length > 0) return 'Some fields need attention.';
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs requests for a screen: an authentication failure signs the console out (a revoked token);
 * other failures become a message (and a 422's field problems, by field).
 */
export function useRequest() {
  const { signOut, notify } = useConsole();
  return useCallback(
    async <T,>(run: () => Promise<T>, what?: string): Promise<T | undefined> => {
      try {
        return await run();
      } catch (error) {
        if (isAuthError(error)) {
          signOut(REVOKED);
          return undefined;
        }
        if (what) notify(`${what}: ${describeError(error)}`);
        throw error;
      }
    },
    [signOut, notify],
  );
}

// ---- paged lists -------------------------------------------------------------------------------

export interface Paged<T> {
  page: Page<T> | undefined;
  error: string | undefined;
  loading: boolean;
  /** 1-based position of this page in the walk. */
  number: number;
  next(): void;
  previous(): void;
  reload(): void;
}

/**
 * One page of a list at a time, through the API's own keyset pages (`links.next` / `links.prev`):
 * nothing loads more than the page shown. `filters` restart the walk when they change.
 */
export function usePaged<T>(
  load: (params: Record<string, string | number | boolean>) => PagePromise<T>,
  filters: Record<string, string | number | boolean | undefined>,
): Paged<T> {
  const request = useRequest();
  const clean = Object.fromEntries(
    Object.entries(filters).filter(([, v]) => v !== undefined && v !== ''),
  ) as Record<string, string | number | boolean>;
  const key = JSON.stringify(clean);
  const [params, setParams] = useState<{
    key: string;
    query: Record<string, string | number | boolean>;
    number: number;
  }>({
    key,
    query: clean,
    number: 1,
  });
  const [state, setState] = useState<{ page?: Page<T>; error?: string; loading: boolean }>({
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const current = params.key === key ? params : { key, query: clean, number: 1 };
  useEffect(() => {
    if (params.key !== key) setParams(current);
  }, [key]);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    request(() => load(current.query))
      .then((page) => live && page && setState({ page, loading: false }))
      .catch((error: unknown) => live && setState({ error: describeError(error), loading: false }));
    return () => {
      live = false;
    };
  }, [JSON.stringify(current.query), generation]);

  const linkParams = (link: string | null | undefined) =>
    link ? Object.fromEntries(new URL(link, location.origin).searchParams) : undefined;
  return {
    page: state.page,
    error: state.error,
    loading: state.loading,
    number: current.number,
    // Busy from the click on, so that the page shown is never taken for the next one.
    next: () => {
      const q = state.page?.nextPageParams();
      if (!q || state.loading) return;
      setState((s) => ({ ...s, loading: true }));
      setParams({ key, query: q, number: current.number + 1 });
    },
    previous: () => {
      const q = linkParams(state.page?.links.prev);
      if (!q || state.loading) return;
      setState((s) => ({ ...s, loading: true }));
      setParams({ key, query: q, number: Math.max(1, current.number - 1) });
    },
    reload: () => setGeneration((g) => g + 1),
  };
}

export function Pager<T>({ paged, label }: { paged: Paged<T>; label: string }): JSX.Element {
  const { page } = paged;
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button
        type="button"
        class="secondary"
        disabled={!page?.links.prev || paged.loading}
        onClick={paged.previous}
      >
        Previous
      </button>
      <span aria-live="polite">Page {paged.number}</span>
      <button
        type="button"
        class="secondary"
        disabled={!page?.hasNextPage() || paged.loading}
        onClick={paged.next}
      >
        Next
      </button>
    </nav>
  );
}

// ---- tables ------------------------------------------------------------------------------------

export interface Column<T> {
  label: string;
  render(row: T): ComponentChildren;
  /** Numbers align right. */
  numeric?: boolean;
}

export function Table<T>({
  caption,
  columns,
  rows,
  rowKey,
  empty,
  loading,
}: {
  caption: string;
  columns: Column<T>[];
  rows: readonly T[];
  rowKey(row: T): string;
  empty: string;
  loading?: boolean;
}): JSX.Element {
  return (
    <div class="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table aria-busy={loading ? 'true' : 'false'}>
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" class={c.numeric ? 'num' : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} class="empty">
                {loading ? 'Loading…' : empty}
              </td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr key={rowKey(row)}>
                {columns.map((c) => (
                  <td key={c.label} class={c.numeric ? 'num' : undefined}>
                    {c.render(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

// ---- forms -------------------------------------------------------------------------------------

export type FieldErrors = Record<string, string>;

/** A 422's field problems, by field (`attribute`); the rest under `''`. */
export function fieldErrors(error: unknown): FieldErrors {
  const out: FieldErrors = {};
  if (!(error instanceof ApiError)) return out;
  for (const item of error.errors as ValidationErrorItem[]) {
    const key = (item.attribute ?? '').replace(/^\//, '').split(/[./]/)[0] ?? '';
    out[key] = out[key] ? `${out[key]} ${item.message}` : item.message;
  }
  if (error.errors.length === 0) out[''] = describeError(error);
  return out;
}

export interface FieldProps {
  name: string;
  label: string;
  error?: string | undefined;
  help?: string;
  children: (props: {
    id: string;
    name: string;
    'aria-invalid': boolean;
    'aria-describedby': string | undefined;
  }) => JSX.Element;
}

/** A labelled control with its help and its error, tied together for screen readers. */
export function Field({ name, label, error, help, children }: FieldProps): JSX.Element {
  const id = useId();
  const describedBy = [help ? `${id}-help` : '', error ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children({
        id,
        name,
        'aria-invalid': !!error,
        'aria-describedby': describedBy || undefined,
      })}
      {help && (
        <p id={`${id}-help`} class="hint">
          {help}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

export function CheckField({
  name,
  label,
  checked,
  onChange,
  error,
}: {
  name: string;
  label: string;
  checked: boolean;
  onChange(checked: boolean): void;
  error?: string | undefined;
}): JSX.Element {
  const id = useId();
  return (
    <div class={`check${error ? ' invalid' : ''}`}>
      <input
        id={id}
        name={name}
        type="checkbox"
        checked={checked}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => onChange((e.target as HTMLInputElement).checked)}
      />
      <label for={id}>{label}</label>
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** Focuses the first invalid field after a refused submit. */
export function useFocusFirstError(errors: FieldErrors): { current: HTMLFormElement | null } {
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (Object.keys(errors).length === 0) return;
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);
  return form;
}

// ---- small pieces ------------------------------------------------------------------------------

export function CopyButton({ text, label }: { text: string; label: string }): JSX.Element {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="small secondary"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setDone(true);
          setTimeout(() => setDone(false), 1500);
        } catch {
          window.prompt('Copy:', text);
        }
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

export function Loading({ what }: { what: string }): JSX.Element {
  return (
    <p class="hint" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorText({ text }: { text: string | undefined }): JSX.Element | null {
  return text ? (
    <p class="problem" role="alert">
      {text}
    </p>
  ) : null;
}

export function Heading({
  title,
  children,
}: {
  title: string;
  children?: ComponentChildren;
}): JSX.Element {
  const ref = useRef<HTMLHeadingElement>(null);
  // A new screen: focus its heading, so a screen reader says where it is.
  useEffect(() => ref.current?.focus(), [title]);
  return (
    <div class="screen-head">
      <h1 ref={ref} tabIndex={-1}>
        {title}
      </h1>
      {children && <div class="screen-actions">{children}</div>}
    </div>
  );
}
