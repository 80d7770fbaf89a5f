/**
 * Date-time reading and writing for the wire (DECISIONS D11, D16). Times are kept as integer Unix
 * seconds (join windows) or milliseconds (created_at / updated_at, which order lists).
 */

/** The value of `n` ASCII digits at `at`, or -1 when any of them is not a digit. */
function digitsAt(text: string, at: number, n: number): number {
  let value = 0;
  for (let i = at; i < at + n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    value = value * 10 + d;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (any year, month 1–12). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/**
 * Parses an RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, any offset, `T`/`Z`
 * in either case; a leap second `:60` reads as `:59`; the fraction, 1–9 digits, is dropped) or a
 * date alone (midnight UTC). Returns Unix seconds, or `undefined` when the text is not such a
 * value. Read character by character: every list filter is parsed twice per request (the
 * schema's format check, then the route), and a regular expression with a `Date` or two cost
 * several microseconds each time.
 */
export function parseDateTime(text: string): number | undefined {
  const length = text.length;
  if (length < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  const date = daysFromCivil(year, month, day) * 86400;
  if (length === 10) return date;
  // `T`, then `HH:MM:SS`.
  if ((text.charCodeAt(10) | 0x20) !== 0x74 || length < 20) return undefined;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  let second = digitsAt(text, 17, 2);
  if (hour < 0 || minute < 0 || second < 0 || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  if (second === 60) second = 59;
  let at = 19;
  if (text.charCodeAt(at) === 46) {
    const from = ++at;
    while (at < length && at - from < 10 && digitsAt(text, at, 1) >= 0) at++;
    if (at === from || at - from > 9) return undefined;
  }
  let offsetMinutes: number;
  const zone = text.charCodeAt(at);
  if ((zone | 0x20) === 0x7a) {
    if (at + 1 !== length) return undefined;
    offsetMinutes = 0;
  } else if (zone === 43 || zone === 45) {
    if (at + 6 !== length || text.charCodeAt(at + 3) !== 58) return undefined;
    const oh = digitsAt(text, at + 1, 2);
    const om = digitsAt(text, at + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone === 45 ? -1 : 1) * (oh * 60 + om);
  } else {
    return undefined;
  }
  return date + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
}

/** Unix seconds as a list filter takes them: an optional `-`, then 1–12 digits. */
function unixSeconds(text: string): number | undefined {
  const from = text.charCodeAt(0) === 45 ? 1 : 0;
  const digits = text.length - from;
  if (digits < 1 || digits > 12 || digitsAt(text, from, digits) < 0) return undefined;
  return Number(text);
}

/** A list filter: RFC 3339, a date alone, or Unix seconds. */
export function parseDateTimeFilter(text: string): number | undefined {
  const seconds = unixSeconds(text);
  if (seconds !== undefined) return Math.abs(seconds) <= MAX_UNIX_SECONDS ? seconds : undefined;
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
