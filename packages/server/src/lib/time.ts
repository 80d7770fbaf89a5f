/**
 * Date-time reading and writing for the wire (DECISIONS D11, D16). Times are kept as integer Unix
 * seconds (join windows) or milliseconds (created_at / updated_at, which order lists).
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2})))?$/;

const UNIX_SECONDS = /^-?\d{1,12}$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses an RFC 3339 date-time (any offset; a leap second `:60` reads as `:59`) or a date alone
 * (midnight UTC). Returns Unix seconds, or `undefined` when the text is not such a value.
 */
export function parseDateTime(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (m[4] === undefined) return Date.UTC(year, month - 1, day) / 1000;
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  let second = Number(m[6]);
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  if (second === 60) second = 59;
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, 0);
  return utc.getTime() / 1000 - offsetMinutes * 60;
}

/** A list filter: RFC 3339, a date alone, or Unix seconds. */
export function parseDateTimeFilter(text: string): number | undefined {
  if (UNIX_SECONDS.test(text)) {
    const seconds = Number(text);
    return Math.abs(seconds) <= MAX_UNIX_SECONDS ? seconds : undefined;
  }
  return parseDateTime(text);
}

/** 9999-12-31T23:59:59Z — the last instant the output format can express. */
const MAX_UNIX_SECONDS = 253402300799;

export function isDateTime(text: string): boolean {
  const seconds = parseDateTime(text);
  return seconds !== undefined && seconds >= -62135596800 && seconds <= MAX_UNIX_SECONDS;
}

export function isDateTimeFilter(text: string): boolean {
  return parseDateTimeFilter(text) !== undefined;
}

/** `YYYY-MM-DDTHH:MM:SSZ` from Unix seconds. */
export function formatSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19) + 'Z';
}

/** `YYYY-MM-DDTHH:MM:SSZ` from Unix milliseconds. */
export function formatMillis(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}
