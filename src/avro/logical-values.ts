// API values ↔ the Avro logical types a dlt `columns` hint gives (src/avro/dlt-types.ts): exact both ways
// or refused (undefined), never rounded. The shaper writes with the `to…` side; the consumer turns decoded
// values into ClickHouse cells with the `…Text` side. Rules from the Avro specification ("Logical Types")
// and ClickHouse's type ranges (Date32, Decimal).

const DAY_MS = 86_400_000;
/** Date32's range (ClickHouse): 1900-01-01 to 2299-12-31, as days since 1970-01-01. */
export const DATE32_MIN_DAYS = -25_567;
export const DATE32_MAX_DAYS = 120_529;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * `YYYY-MM-DD` → days since 1970-01-01 (Avro `date`); undefined for other text, an impossible calendar
 * date (`2024-02-30`) or a day outside Date32's range. A date-time is not a date: refused, not truncated.
 */
export function toEpochDays(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = ISO_DATE.exec(v);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return undefined;
  const days = ms / DAY_MS;
  return days >= DATE32_MIN_DAYS && days <= DATE32_MAX_DAYS ? days : undefined;
}

/** Days since 1970-01-01 → `YYYY-MM-DD`. */
export function dateText(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** `HH:MM:SS[.ffffff]` → microseconds after midnight (Avro `time-micros`); undefined for more digits or other text. */
export function toTimeMicros(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = TIME.exec(v);
  if (!m) return undefined;
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (h > 23 || min > 59 || s > 59) return undefined;
  return ((h * 60 + min) * 60 + s) * 1_000_000 + Number((m[4] ?? '').padEnd(6, '0'));
}

/** Microseconds after midnight → `HH:MM:SS.ffffff` (always six digits: one text per value). */
export function timeText(micros: number): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const seconds = Math.floor(micros / 1_000_000);
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}.${pad(micros % 1_000_000, 6)}`;
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;
// A double's shortest text is the number the API wrote only up to 15 significant digits.
const EXACT_DOUBLE_DIGITS = 15;

/**
 * A decimal value → the two's-complement big-endian bytes of its unscaled integer (Avro `decimal` on
 * `bytes`). Accepts decimal text (`"-12.50"`), a bigint, or a number whose shortest text has at most 15
 * significant digits (a JSON number is a double once parsed: more digits may already be rounded, so they are
 * refused; send such values as text). Undefined when it has more than `scale` fractional digits (other than
 * trailing zeros) or more than `precision` digits: refused, never rounded.
 */
export function toDecimalBytes(v: unknown, precision: number, scale: number): Buffer | undefined {
  let text: string;
  if (typeof v === 'string') text = v;
  else if (typeof v === 'bigint') text = v.toString();
  else if (Number.isSafeInteger(v)) text = String(v);
  else if (typeof v === 'number' && Number.isFinite(v)) {
    text = decimalOfDouble(v) ?? '';
    if (significantDigits(text) > EXACT_DOUBLE_DIGITS) return undefined;
  } else return undefined;
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  if (fraction.length > scale) return undefined;
  const digits = `${m[2]}${fraction.padEnd(scale, '0')}`.replace(/^0+(?=\d)/, '');
  if (digits.length > precision) return undefined;
  const unscaled = BigInt(`${m[1] === '-' ? '-' : ''}${digits}`);
  return twosComplement(unscaled);
}

/** Avro `decimal` bytes → its exact decimal text with `scale` fractional digits (`-12.500`). */
export function decimalText(bytes: Uint8Array, scale: number): string {
  let unscaled = 0n;
  for (const b of bytes) unscaled = (unscaled << 8n) | BigInt(b);
  if (bytes.length > 0 && (bytes[0] as number) & 0x80) unscaled -= 1n << BigInt(bytes.length * 8);
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const text = scale === 0 ? whole : `${whole}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

function twosComplement(n: bigint): Buffer {
  let bytes = 1;
  while (n >= 1n << BigInt(bytes * 8 - 1) || n < -(1n << BigInt(bytes * 8 - 1))) bytes++;
  const value = n < 0n ? (1n << BigInt(bytes * 8)) + n : n;
  const hex = value.toString(16).padStart(bytes * 2, '0');
  return Buffer.from(hex, 'hex');
}

/** A double's shortest decimal text, without an exponent (`1e-7` → `0.0000001`); undefined beyond what fits. */
function decimalOfDouble(v: number): string | undefined {
  const text = String(v);
  if (!/e/i.test(text)) return text;
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return undefined;
  const digits = `${m[2]}${m[3] ?? ''}`;
  const point = 1 + Number(m[4]);
  if (point <= 0) return `${m[1]}0.${'0'.repeat(-point)}${digits}`;
  return point >= digits.length
    ? `${m[1]}${digits}${'0'.repeat(point - digits.length)}`
    : `${m[1]}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function significantDigits(text: string): number {
  return text.replace(/[-.]/g, '').replace(/^0+/, '').replace(/0+$/, '').length;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 text (RFC 4648 §4, padded) → its bytes (Avro `bytes`); undefined for anything else. */
export function toBase64Bytes(v: unknown): Buffer | undefined {
  return typeof v === 'string' && BASE64.test(v) ? Buffer.from(v, 'base64') : undefined;
}
