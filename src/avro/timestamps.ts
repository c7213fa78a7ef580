// API text (or epoch milliseconds) as an Avro `timestamp-millis`: the instant exactly, or nothing. Two
// rules keep a value from changing on the way:
// - a time without a zone is UTC, as dlt reads it (pendulum's parse defaults to UTC), never the producing
//   host's local zone, which made one value two instants on two machines;
// - digits below the millisecond must be zeros: `.123456` does not fit milliseconds, and the value goes
//   to `_extra` exactly as sent rather than cut to `.123`.
// An ISO date alone is midnight UTC, as in dlt. A date or time that does not exist (`2023-02-29`,
// `25:00`, a `+24:00` zone) is no timestamp either: `Date.parse` would roll `2023-02-29` over to March 1.
// The instant is computed from the fields (days from the civil date, then the clock and the zone), which
// also costs the producer a fraction of building an ECMAScript date string for `Date.parse` (A/B in the
// commit message).

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const MS_PER_DAY = 86_400_000;

/**
 * Epoch milliseconds of `v`: a safe integer as it is, ISO-8601 text (`2024-01-01T10:00:00.123+02:00`,
 * `2024-01-01 10:00Z`, `2024-01-01`) as the instant it names. `24:00:00` is the end of its day (ISO 8601),
 * i.e. midnight of the next.
 * @returns undefined for anything else: text that is not such a date-time, a date or time that does not
 *   exist, and text whose precision goes below the millisecond
 */
export function epochMillis(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = ISO_DATE_TIME.exec(v);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const days = daysFromCivil(year, month, day);
  if (m[4] === undefined) return days * MS_PER_DAY;
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const fraction = m[7] ?? '';
  if (/[1-9]/.test(fraction.slice(3))) return undefined;
  const ms = fraction === '' ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  if (minute > 59 || second > 59) return undefined;
  if (hour > 24 || (hour === 24 && (minute > 0 || second > 0 || ms > 0))) return undefined;
  const offset = zoneOffsetMinutes(m[8]);
  if (offset === undefined) return undefined;
  return days * MS_PER_DAY + ((hour * 60 + minute - offset) * 60 + second) * 1000 + ms;
}

/** Minutes east of UTC of `Z`, `+05`, `+0530` or `+05:30` (none: UTC); undefined beyond ±23:59. */
function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(':', '');
  if (digits.length !== 2 && digits.length !== 4) return undefined;
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length === 4 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date: whole 400-year eras, then the day within the era. */
function daysFromCivil(year: number, month: number, day: number): number {
  // Counted from March, so the leap day is the last day of its year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  // 719,468 days from 0000-03-01 to 1970-01-01
  return era * 146_097 + dayOfEra - 719_468;
}
