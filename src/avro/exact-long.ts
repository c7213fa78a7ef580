// Avro `long` over its whole range, exactly. avsc's own long is a JS number: it refuses values beyond
// ±(2^53 − 1) and its zig-zag arithmetic on large negative values is imprecise (avsc issue #455). avsc
// documents `LongType.__with` for a custom long: it hands us the value's 8 bytes (two's complement, little
// endian) and we choose the JavaScript value. Ours: a `number` when the value is a safe integer, so
// timestamps, counts and `_version` stay numbers as before; a `bigint` for the rest of the int64 range.
import avro from 'avsc';

/** int64's range: what an Avro long holds. */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** True for a value an Avro long holds exactly: a safe integer, or a bigint within int64. */
export function isExactLong(v: unknown): v is number | bigint {
  if (typeof v === 'number') return Number.isSafeInteger(v);
  return typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX;
}

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;

/**
 * Integer text as the long it names (`" -1726 "` → -1726), as dlt's `coerce_value("bigint", "text", …)`
 * converts it (dlt/common/schema/utils.py; tests/common/schema/test_coercion.py
 * `test_coerce_type_to_bigint`); undefined for anything else: `"912.12"`, `"0x1F"`, text beyond int64.
 * The number is the same; only its JSON type changes, which is what a bigint column asks for.
 */
export function longFromText(v: string): number | bigint | undefined {
  if (!INTEGER_TEXT.test(v)) return undefined;
  const n = BigInt(v.trim());
  if (!isExactLong(n)) return undefined;
  const small = Number(n);
  return Number.isSafeInteger(small) ? small : n;
}

function fromBuffer(buf: Buffer): number | bigint {
  // Two 32-bit halves in floating point are exact below 2^53; anything at or past it comes out as a
  // double at or past 2^53 (rounding is monotonic), so it is never mistaken for a safe value.
  const n = buf.readInt32LE(4) * 0x100000000 + buf.readUInt32LE(0);
  return Number.isSafeInteger(n) ? n : buf.readBigInt64LE(0);
}

function toBuffer(v: number | bigint): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigInt64LE(BigInt(v));
  return buf;
}

function fromJSON(v: unknown): number | bigint {
  if (typeof v === 'number' || typeof v === 'bigint') return normalize(BigInt(v));
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return normalize(BigInt(v));
  throw new TypeError(`not an Avro long: ${String(v)}`);
}

function normalize(b: bigint): number | bigint {
  const n = Number(b);
  return Number.isSafeInteger(n) ? n : b;
}

/** avsc's type for `long` in every schema streamtap compiles (through {@link avroType}). */
export const exactLong = avro.types.LongType.__with({
  fromBuffer,
  toBuffer,
  fromJSON,
  // JSON has no exact form for a bigint in avsc's own JSON encoding: its decimal text.
  toJSON: (v: number | bigint) => (typeof v === 'number' ? v : v.toString()),
  isValid: isExactLong,
  compare: (a: number | bigint, b: number | bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

/**
 * `avro.Type.forSchema` with the exact long: the one way streamtap turns a schema into an avsc type.
 * A type hook rather than avsc's `registry` option: the registry serves the name `"long"` only, not a
 * `{"type": "long", "logicalType": "timestamp-millis"}` object. The type's `schema()`, hence its
 * canonical form and fingerprint, is the same as with avsc's own long.
 */
export function avroType(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { typeHook: longHook });
}

function longHook(schema: avro.Schema): avro.Type | undefined {
  const name = typeof schema === 'string' ? schema : (schema as { type?: unknown }).type;
  return name === 'long' ? exactLong : undefined;
}
