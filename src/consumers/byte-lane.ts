// Which writer schemas' messages may reach ClickHouse as their Avro bytes (the byte path), and what the
// consumer still reads of each body on that path: the primary key and `_version`, nothing else.
//
// ClickHouse's Avro reader stores a body in the table's columns exactly as the decoding path would
// (test/integration/consumer-byte-path.test.ts compares them row for row) as long as every field's Avro type
// maps to its column natively:
//   string, enum → String; int → Int32; long → Int64 (UInt64 for `_version`); float → Float32;
//   double → Float64; boolean → Bool; timestamp-millis → DateTime64(3, 'UTC');
//   record → Tuple of the same elements in the same order; array → Array; map → Map(String, …);
//   ["null", T] → Nullable(T) (a record: Nullable(Tuple)), or, for a record, array or map column that is
//   not Nullable (a table created before the null rule), T's default (an all-default tuple, [] or {}),
//   which is what the decoding path's null reads as there too.
// Null markers (null-rule.ts) are filled too, at any depth (a column, a tuple element, a tuple inside an
// array): the container's header declares such a list's union with a third branch, which the engine reads
// as a Variant that keeps NULL apart from [], and the insert selects the list and its marker from it
// (byte-read.ts has the how and why).
// Anything the decoding path turns into text (bytes and fixed as base64, other unions and recursive records
// as JSON, a scalar in a column widened to String) or into a wider type than its own (a table evolved past
// this writer: Int32 in an Int64 column, a tuple with elements this writer lacks) keeps the decoding path,
// as do messages whose writer the table does not fit yet. docs/consumers.md lists these cases.
import type { Type } from 'avsc';
import { avroType } from '../avro/exact-long.js';
import type { WriterSchema } from '../avro/schema-store.js';
import { renderType, type ChType } from '../clickhouse/column-types.js';
import { containerHeader, type ContainerHeader } from './avro-container.js';
import { fieldPlan, type ReadContext } from './byte-read.js';
import { quoteIdentifier } from '../clickhouse/quote.js';
import { nullMarkerName } from './null-rule.js';
import { namedTypes, schemaColumns } from './table-schema.js';

/** A writer schema whose messages go to ClickHouse as bytes. */
export interface ByteWriter {
  readonly writer: WriterSchema;
  /** the container's fields, in the writer's field order, with the types the engine reads them as */
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** the table's columns the insert fills and their SQL over `columns`, when null markers are among them */
  readonly targets?: readonly { readonly name: string; readonly select: string }[] | undefined;
  readonly header: ContainerHeader;
  /**
   * The key fields and `_version` of one body, other fields skipped unread. Throws when the body does not
   * hold exactly one record of the writer schema (truncated, trailing bytes, a bad union branch).
   */
  readonly readKey: (body: Buffer) => Record<string, unknown>;
  /**
   * False when a timestamp of the record (as `readKey` returned it) lies outside DateTime64's range,
   * 1900-01-01 to 2299-12-31: the engine's Avro reader would store it as it is where the decoding path's
   * text is clamped or refused, so such a record takes the decoding path.
   */
  readonly inRange: (fields: Record<string, unknown>) => boolean;
}

// DateTime64's range (https://clickhouse.com/docs/en/sql-reference/data-types/datetime64), in milliseconds.
const DATETIME64_MIN_MS = Date.UTC(1900, 0, 1);
const DATETIME64_MAX_MS = Date.UTC(2299, 11, 31, 23, 59, 59, 999);

type AvroObject = { readonly [key: string]: unknown };

/**
 * The byte path for `writer` into a table with columns `table`, or why its messages keep the decoding path.
 * `keyFields` are the primary key's fields (Avro names).
 */
export function byteWriter(
  writer: WriterSchema,
  table: ReadonlyMap<string, ChType>,
  keyFields: readonly string[],
): ByteWriter | { readonly reason: string } {
  const named = namedTypes(writer.schema);
  const own = new Map(schemaColumns(writer.schema, keyFields).map((c) => [c.name, c.ch]));
  const ctx: ReadContext = { named, leaf: (type, ch) => native(type, ch, named), widen: new Set() };
  const columns: { name: string; type: string }[] = [];
  const targets: { name: string; select: string }[] = [];
  for (const field of writer.schema.fields) {
    const have = table.get(field.name);
    const want = own.get(field.name);
    if (!have || !want) return { reason: `the table has no column ${field.name}` };
    if (renderType(have) !== renderType(want))
      return {
        reason: `${field.name}: the table has ${renderType(have)}, this writer's own type is ${renderType(want)}`,
      };
    const column = quoteIdentifier(field.name);
    if (field.name === '_version') {
      if (!native(field.type, have, named, true)) return { reason: `_version: not a long into ${renderType(have)}` };
      columns.push({ name: field.name, type: renderType(have) });
      targets.push({ name: field.name, select: column });
      continue;
    }
    const marker = nullMarkerName(field.name);
    const marked = table.has(marker) && (have.kind === 'array' || have.kind === 'map');
    const plan = fieldPlan(field.type, have, marked, ctx);
    if ('reason' in plan) return { reason: `${field.name}: ${plan.reason}` };
    columns.push({ name: field.name, type: plan.read });
    targets.push({ name: field.name, select: plan.select(column) });
    if (plan.marker) targets.push({ name: marker, select: plan.marker(column) });
  }
  // Fields holding a timestamp somewhere are read too, for the range check.
  const timestamps = writer.schema.fields.filter((f) => hasTimestamp(f.type, named)).map((f) => f.name);
  let readKey: ByteWriter['readKey'];
  try {
    readKey = keyReader(writer, [...keyFields, ...timestamps]);
  } catch (error) {
    return { reason: `cannot read the key fields alone: ${(error as Error).message}` };
  }
  // The plain case (every column read as it is) keeps the plain statement; so does its header.
  const computed = targets.length > columns.length || targets.some((t) => t.select !== quoteIdentifier(t.name));
  const checks = writer.schema.fields
    .filter((f) => timestamps.includes(f.name))
    .map((f) => ({ name: f.name, check: rangeCheck(f.type, named) }));
  const inRange = (fields: Record<string, unknown>) => checks.every((c) => c.check(fields[c.name]));
  return {
    writer,
    columns,
    ...(computed ? { targets } : {}),
    header: containerHeader(ctx.widen.size > 0 ? withThirdBranch(writer.schema, ctx.widen) : writer.schema),
    readKey,
    inRange,
  };
}

/**
 * A copy of `schema` in which each union of `widen` (found by identity) gains a third branch, "boolean":
 * the container header under which the engine reads those lists as Variant(T, Bool) (byte-read.ts).
 */
function withThirdBranch(schema: unknown, widen: ReadonlySet<readonly unknown[]>): unknown {
  if (Array.isArray(schema)) {
    const copy: unknown[] = schema.map((b) => withThirdBranch(b, widen));
    return widen.has(schema) ? [...copy, 'boolean'] : copy;
  }
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, withThirdBranch(v, widen)]));
}

/** A check that every timestamp-millis value inside a value of Avro `type` is within DateTime64's range. */
function rangeCheck(
  type: unknown,
  named: ReadonlyMap<string, AvroObject>,
  seen = new Set<string>(),
): (v: unknown) => boolean {
  const always = () => true;
  if (!hasTimestamp(type, named)) return always;
  if (Array.isArray(type)) {
    const checks = type.filter((b) => b !== 'null').map((b) => rangeCheck(b, named, seen));
    // A union's value is that of one branch; every branch's check passes values of the others.
    return (v) => v === null || v === undefined || checks.every((c) => c(v));
  }
  const o = (typeof type === 'string' ? named.get(type) : type) as AvroObject;
  if (o.logicalType === 'timestamp-millis')
    return (v) => typeof v !== 'number' || (v >= DATETIME64_MIN_MS && v <= DATETIME64_MAX_MS);
  if (o.type === 'record') {
    const name = String(o.name);
    if (seen.has(name)) return always;
    const inside = new Set(seen).add(name);
    const fields = ((o.fields ?? []) as readonly AvroObject[]).map((f) => ({
      name: String(f.name),
      check: rangeCheck(f.type, named, inside),
    }));
    return (v) =>
      v === null || typeof v !== 'object' || fields.every((f) => f.check((v as Record<string, unknown>)[f.name]));
  }
  if (o.type === 'array') {
    const item = rangeCheck(o.items, named, seen);
    return (v) => !Array.isArray(v) || v.every(item);
  }
  if (o.type === 'map') {
    const value = rangeCheck(o.values, named, seen);
    return (v) => v === null || typeof v !== 'object' || Object.values(v).every(value);
  }
  return rangeCheck(o.type, named, seen);
}

function hasTimestamp(type: unknown, named: ReadonlyMap<string, AvroObject>, seen = new Set<string>()): boolean {
  if (Array.isArray(type)) return type.some((b) => hasTimestamp(b, named, seen));
  const t = typeof type === 'string' ? named.get(type) : type;
  if (!t || typeof t !== 'object') return false;
  const o = t as AvroObject;
  if (o.logicalType === 'timestamp-millis') return true;
  if (o.type === 'record') {
    const name = String(o.name);
    if (seen.has(name)) return false;
    seen.add(name);
    return ((o.fields ?? []) as readonly AvroObject[]).some((f) => hasTimestamp(f.type, named, seen));
  }
  if (o.type === 'array') return hasTimestamp(o.items, named, seen);
  if (o.type === 'map') return hasTimestamp(o.values, named, seen);
  return hasTimestamp(o.type, named, seen);
}

/** A reader of the named fields (and `_version`) only, resolved against the writer so the rest is skipped. */
function keyReader(writer: WriterSchema, names: readonly string[]): (body: Buffer) => Record<string, unknown> {
  const wanted = new Set([...names, '_version']);
  const fields = writer.schema.fields.filter((f) => wanted.has(f.name)).map((f) => ({ name: f.name, type: f.type }));
  if (fields.length !== wanted.size) throw new Error(`the schema lacks one of ${[...wanted].join(', ')}`);
  const reader: Type = avroType({
    type: 'record',
    name: writer.schema.name,
    ...(writer.schema.namespace ? { namespace: writer.schema.namespace } : {}),
    fields,
  });
  const resolver = reader.createResolver(writer.type);
  return (body) => reader.fromBuffer(body, resolver) as Record<string, unknown>;
}

const PRIMITIVE: Readonly<Record<string, string>> = {
  string: 'String',
  enum: 'String',
  int: 'Int32',
  long: 'Int64',
  float: 'Float32',
  double: 'Float64',
  boolean: 'Bool',
};

/** True when ClickHouse's Avro reader stores values of Avro `type` in a column of type `ch` as the decoding path does. */
function native(type: unknown, ch: ChType, named: ReadonlyMap<string, AvroObject>, isVersion = false): boolean {
  if (Array.isArray(type)) {
    const branches = type.filter((b) => b !== 'null');
    if (branches.length !== 1 || type.length !== 2) return false;
    const inner = branches[0];
    if (ch.kind === 'nullable') return native(inner, ch.inner, named);
    return (ch.kind === 'tuple' || ch.kind === 'array' || ch.kind === 'map') && native(inner, ch, named);
  }
  const t = typeof type === 'string' ? (named.get(type) ?? type) : type;
  if (typeof t === 'string') {
    if (isVersion && t === 'long') return ch.kind === 'scalar' && ch.name === 'UInt64';
    return ch.kind === 'scalar' && PRIMITIVE[t] === ch.name;
  }
  const o = t as AvroObject;
  if (o.logicalType === 'timestamp-millis')
    return o.type === 'long' && ch.kind === 'scalar' && ch.name === 'DateTime64';
  if (o.logicalType !== undefined) return false;
  switch (o.type) {
    case 'record': {
      const fields = (o.fields ?? []) as readonly AvroObject[];
      if (ch.kind !== 'tuple' || fields.length === 0 || fields.length !== ch.fields.length) return false;
      return fields.every((f, i) => {
        const [name, element] = ch.fields[i] as readonly [string, ChType];
        return f.name === name && native(f.type, element, named);
      });
    }
    case 'array':
      return ch.kind === 'array' && native(o.items, ch.items, named);
    case 'map':
      return ch.kind === 'map' && native(o.values, ch.values, named);
    case 'enum':
      return ch.kind === 'scalar' && ch.name === 'String';
    default:
      return typeof o.type === 'string' && PRIMITIVE[o.type] !== undefined && native(o.type, ch, named, isVersion);
  }
}
