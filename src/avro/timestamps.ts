// API text (or epoch milliseconds) as an Avro `timestamp-millis`: the instant exactly, or nothing. Two
// rules keep a value from changing on the way:
// - a time without a zone is UTC, as dlt reads it (pendulum's parse defaults to UTC), never the producing
//   host's local zone, which made one value two instants on two machines;
// - digits below the millisecond must be zeros: `.123456` does not fit milliseconds, and the value goes
//   to `_extra` exactly as sent rather than cut to `.123`.
// An ISO date alone is midnight UTC, as in dlt.

const ISO_DATE_ONLY = /^(\d{4}-\d{2}-\d{2})$/;
const ISO_DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Epoch milliseconds of `v`: a safe integer as it is, ISO-8601 text (`2024-01-01T10:00:00.123+02:00`,
 * `2024-01-01 10:00Z`, `2024-01-01`) as the instant it names.
 * @returns undefined for anything else, and for text whose precision goes below the millisecond
 */
export function epochMillis(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  if (ISO_DATE_ONLY.test(v)) return parsed(`${v}T00:00:00.000Z`);
  const m = ISO_DATE_TIME.exec(v);
  if (!m) return undefined;
  const [, date, hh, mm, ss = '00', fraction = '', zone = 'Z'] = m;
  if (/[1-9]/.test(fraction.slice(3))) return undefined;
  const ms = fraction.slice(0, 3).padEnd(3, '0');
  return parsed(`${date}T${hh}:${mm}:${ss}.${ms}${isoZone(zone)}`);
}

/** `Z`, `+05`, `+0530` or `+05:30` as ECMAScript's date-time format wants it. */
function isoZone(zone: string): string {
  if (zone === 'Z' || zone === 'z') return 'Z';
  const digits = zone.slice(1).replace(':', '');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
}

function parsed(iso: string): number | undefined {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}
