/**
 * Create and edit forms for conferences and rooms, from a list of fields. The API checks the
 * values; its field problems (422) show beside the fields they name.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { fromLocalInput, toLocalInput } from './format.js';
import {
  CheckField,
  ErrorText,
  Field,
  fieldErrors,
  useFocusFirstError,
  type FieldErrors,
} from './kit.js';

export interface FieldSpec {
  name: string;
  label: string;
  kind: 'text' | 'textarea' | 'datetime' | 'select' | 'bool' | 'int' | 'color';
  options?: readonly string[];
  help?: string;
  /** Only when creating (a room's or conference's `name`). */
  createOnly?: boolean;
  /** A new resource's value (the API's default), shown and sent. */
  initial?: boolean;
}

type Values = Record<string, string | boolean>;

function initial(specs: FieldSpec[], resource: Record<string, unknown> | undefined): Values {
  const out: Values = {};
  for (const s of specs) {
    const v = resource?.[s.name];
    if (s.kind === 'bool') out[s.name] = resource ? v === true : s.initial === true;
    else if (s.kind === 'datetime') out[s.name] = toLocalInput(v as string | null);
    else out[s.name] = v === null || v === undefined ? '' : String(v);
  }
  return out;
}

function toBody(
  specs: FieldSpec[],
  values: Values,
  original: Values | undefined,
  editing: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const s of specs) {
    if (editing && s.createOnly) continue;
    const v = values[s.name];
    if (editing && original && v === original[s.name] && s.name !== 'display_name') continue;
    if (s.kind === 'bool') {
      body[s.name] = v;
      continue;
    }
    const text = String(v ?? '').trim();
    if (text === '') {
      if (editing) body[s.name] = null;
      continue;
    }
    if (s.kind === 'datetime') body[s.name] = fromLocalInput(text) ?? text;
    else if (s.kind === 'int') body[s.name] = /^-?\d+$/.test(text) ? Number(text) : text;
    else body[s.name] = text;
  }
  return body;
}

/** Problems that belong to no field shown (or to none at all). */
function formLevelError(errors: FieldErrors, shown: FieldSpec[]): string | undefined {
  const stray = Object.entries(errors).filter(([k]) => k && !shown.some((s) => s.name === k));
  const parts = [errors[''], ...stray.map(([k, v]) => `${k}: ${v}`)].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

export function ResourceForm({
  specs,
  resource,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  specs: FieldSpec[];
  resource?: Record<string, unknown>;
  submitLabel: string;
  onSubmit(body: Record<string, unknown>): Promise<void>;
  onCancel?(): void;
}): JSX.Element {
  const editing = resource !== undefined;
  const [original] = useState(() => initial(specs, resource));
  const [values, setValues] = useState<Values>(original);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const form = useFocusFirstError(errors);
  const set = (name: string, value: string | boolean) =>
    setValues((v) => ({ ...v, [name]: value }));
  const shown = specs.filter((s) => !(editing && s.createOnly));

  return (
    <form
      ref={form}
      class="resource-form"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        try {
          await onSubmit(toBody(specs, values, original, editing));
          setErrors({});
        } catch (error) {
          setErrors(fieldErrors(error));
        } finally {
          setBusy(false);
        }
      }}
    >
      <ErrorText text={formLevelError(errors, shown)} />
      <div class="form-grid">
        {shown.map((s) =>
          s.kind === 'bool' ? (
            <CheckField
              key={s.name}
              name={s.name}
              label={s.label}
              checked={values[s.name] === true}
              error={errors[s.name]}
              onChange={(v) => set(s.name, v)}
            />
          ) : (
            <Field
              key={s.name}
              name={s.name}
              label={s.label}
              error={errors[s.name]}
              {...(s.help ? { help: s.help } : {})}
            >
              {(p) =>
                s.kind === 'select' ? (
                  <select
                    {...p}
                    value={String(values[s.name])}
                    onChange={(e) => set(s.name, (e.target as HTMLSelectElement).value)}
                  >
                    {editing ? null : <option value="">(default)</option>}
                    {s.options!.map((o) => (
                      <option key={o} value={o}>
                        {o}
                      </option>
                    ))}
                  </select>
                ) : s.kind === 'textarea' ? (
                  <textarea
                    {...p}
                    rows={3}
                    value={String(values[s.name])}
                    onInput={(e) => set(s.name, (e.target as HTMLTextAreaElement).value)}
                  />
                ) : s.kind === 'datetime' ? (
                  <input
                    {...p}
                    type="datetime-local"
                    value={String(values[s.name])}
                    onInput={(e) => set(s.name, (e.target as HTMLInputElement).value)}
                  />
                ) : (
                  <input
                    {...p}
                    type="text"
                    inputMode={s.kind === 'int' ? 'numeric' : 'text'}
                    value={String(values[s.name])}
                    placeholder={s.kind === 'color' ? '#044EF4' : undefined}
                    onInput={(e) => set(s.name, (e.target as HTMLInputElement).value)}
                  />
                )
              }
            </Field>
          ),
        )}
      </div>
      <div class="actions">
        {onCancel && (
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
      </div>
    </form>
  );
}
