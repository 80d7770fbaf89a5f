import { formatMillis, formatSeconds } from '../../lib/time.js';

/**
 * How the engine-neutral columns read and write (docs/decisions.md: integer times, 0/1 flags,
 * JSON as text), shared by every resource's row mappers.
 */

export const optionalSeconds = (value: number | null) =>
  value === null ? null : formatSeconds(value);
export const optionalMillis = (value: number | null) =>
  value === null ? null : formatMillis(value);
/** A nullable 0/1 column as a nullable boolean. */
export const optionalFlag = (value: number | null) => (value === null ? null : value !== 0);
export const toFlag = (value: boolean) => (value ? 1 : 0);
export const toOptionalFlag = (value: boolean | null) => (value === null ? null : toFlag(value));
export const jsonObject = (text: string | null) =>
  text === null ? null : (JSON.parse(text) as Record<string, unknown>);
export const jsonText = (value: Record<string, unknown> | null) =>
  value === null ? null : JSON.stringify(value);
/** Whole seconds between two Unix-ms times, or null while the second is unknown. */
export const durationSeconds = (start: number, end: number | null) =>
  end === null ? null : Math.max(0, Math.round((end - start) / 1000));
