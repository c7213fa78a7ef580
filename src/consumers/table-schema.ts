// How an Avro resource schema becomes a ClickHouse table, and a decoded record one of its rows.
// The mapping (docs/schemas.md has the table and the reasons):
//   string, enum → String          int → Int32         long → Int64       float → Float32
//   double → Float64               boolean → Bool      bytes, fixed → String (base64)
//   timestamp-millis → DateTime64(3, 'UTC')
//   date → Date32      time-micros → String `HH:MM:SS.ffffff`     decimal(P, S) → Decimal(P, S)
//     (the logical types of dlt's `columns` hints: src/avro/dlt-types.ts)
//   record → Tuple(name T, ...)    (named, so `organizer.email` works; a recursive record → String JSON)
//   array → Array(T)               map → Map(String, T)
//   ["null", T] → by the null rule (null-rule.ts): Nullable(T) for a scalar or a record (Nullable(Tuple)),
//     an array or map beside a `<name>__null` marker. Primary key columns are never Nullable.
// A column keeps its type as long as every writer schema fits it; when a newer schema needs more, the
// type widens (table-evolution.ts, by the rules of src/clickhouse/column-types.ts): new tuple elements,
// Int32 → Int64 → Float64, any scalar → String, a scalar → Nullable. A String column absorbs anything
// (non-strings as JSON text). The column types themselves and the DDL live in src/clickhouse/.
import type { AvroRecordSchema } from '../avro/schema-store.js';
import type { WriteDisposition } from '../config/schema.js';
import { renderType, scalar, type ChType, type ScalarName } from '../clickhouse/column-types.js';
import type { TableDefinition } from '../clickhouse/ddl.js';
import { stringifyExact } from '../json/exact-json.js';
import { dateText, decimalText, timeText } from '../avro/logical-values.js';
import { NULL_MARKER_TYPE, nullableShape, nullMarkerName, type Holder } from './null-rule.js';

type AvroType = unknown;
type AvroObject = { readonly [key: string]: unknown };

export interface Column {
  readonly name: string;
  /** the record field the cell is made of: the column's own name, or the list a null marker describes */
  readonly field: string;
  /** the ClickHouse type as SQL */
  readonly type: string;
  readonly ch: ChType;
  readonly toCell: (value: unknown) => unknown;
}

/** A resource's table as the consumer loads it: the DDL's definition, with each column's converter. */
export interface TableSpec extends TableDefinition {
  readonly columns: readonly Column[];
}

export function tableSpec(
  database: string,
  table: string,
  schema: AvroRecordSchema,
  primaryKey: readonly string[],
  writeDisposition: WriteDisposition,
): TableSpec {
  const columns = schemaColumns(schema, primaryKey);
  for (const key of primaryKey) {
    if (!columns.some((c) => c.name === key))
      throw new Error(`${database}.${table}: primary key "${key}" is not a field of the schema`);
  }
  return { database, table, columns, primaryKey, writeDisposition };
}

/**
 * The columns a schema needs, in field order, each converting the decoded value to its own type; a
 * nullable list or map field is followed by its null marker (null-rule.ts). Throws when a field's name is
 * the marker name of another field.
 */
export function schemaColumns(schema: AvroRecordSchema, primaryKey: readonly string[]): Column[] {
  const named = namedTypes(schema);
  const columns: Column[] = [];
  for (const f of schema.fields) {
    // _version is always UInt64: ReplacingMergeTree compares it, and it is never negative.
    const shape =
      f.name === '_version'
        ? { type: scalar('UInt64'), marker: false }
        : fieldShape(f.type, named, primaryKey.includes(f.name), new Set());
    const ch = shape.type;
    columns.push({ name: f.name, field: f.name, type: renderType(ch), ch, toCell: cellConverter(f.type, ch, named) });
    if (shape.marker) {
      const name = nullMarkerName(f.name);
      columns.push({ name, field: f.name, type: renderType(NULL_MARKER_TYPE), ch: NULL_MARKER_TYPE, toCell: isNull });
    }
  }
  refuseMarkerClash(
    columns.map((c) => c.name),
    String(schema.name),
  );
  return columns;
}

/** A decoded Avro record → a JSONEachRow row. */
export function compileRowMapper(spec: TableSpec): (record: Record<string, unknown>) => Record<string, unknown> {
  const columns = spec.columns;
  return (record) => {
    const row: Record<string, unknown> = {};
    for (const c of columns) row[c.name] = c.toCell(record[c.field]);
    return row;
  };
}

/**
 * A record written with `schema` → a row for a table whose columns have the given types (which may be
 * wider than what the schema alone needs: the table evolved). Columns the schema lacks are left out,
 * so ClickHouse fills their defaults: NULL for the Nullable columns a newer schema added.
 */
export function compileRowMapperFor(
  schema: AvroRecordSchema,
  columns: ReadonlyMap<string, ChType>,
): (record: Record<string, unknown>) => Record<string, unknown> {
  const named = namedTypes(schema);
  const plan: { name: string; field: string; toCell: Convert }[] = [];
  for (const f of schema.fields) {
    const type = columns.get(f.name);
    if (type) plan.push({ name: f.name, field: f.name, toCell: cellConverter(f.type, type, named) });
    // The marker is written whenever the table has one: false for a list this schema never lets be null.
    if (columns.has(nullMarkerName(f.name)) && isListOrMap(f.type, named))
      plan.push({ name: nullMarkerName(f.name), field: f.name, toCell: isNull });
  }
  return (record) => {
    const row: Record<string, unknown> = {};
    for (const c of plan) row[c.name] = c.toCell(record[c.field]);
    return row;
  };
}

const isNull = (v: unknown): boolean => v === null || v === undefined;

function isListOrMap(type: AvroType, named: ReadonlyMap<string, AvroObject>): boolean {
  const t = resolve(nonNull(type), named);
  return (
    typeof t === 'object' && t !== null && ((t as AvroObject).type === 'array' || (t as AvroObject).type === 'map')
  );
}

function refuseMarkerClash(columns: readonly string[], record: string): void {
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c))
      throw new Error(
        `${record}: the field "${c}" has the name of the null marker of the list "${c.replace(/__null$/, '')}" ` +
          `(docs/schemas.md, "Nulls and emptiness"); rename the field in the schema file`,
      );
    seen.add(c);
  }
}

// ---------------------------------------------------------------------------------------------
// Avro → ClickHouse types

const SCALARS: Readonly<Record<string, ScalarName>> = {
  string: 'String',
  enum: 'String',
  bytes: 'String',
  fixed: 'String',
  int: 'Int32',
  long: 'Int64',
  float: 'Float32',
  double: 'Float64',
  boolean: 'Bool',
};

/** Named types of a schema (records, enums, fixed) by name and full name, for references to them. */
export function namedTypes(
  schema: AvroType,
  into = new Map<string, AvroObject>(),
  namespace = '',
): Map<string, AvroObject> {
  if (Array.isArray(schema)) for (const b of schema) namedTypes(b, into, namespace);
  else if (schema && typeof schema === 'object') {
    const t = schema as AvroObject;
    const ns = typeof t.namespace === 'string' ? t.namespace : namespace;
    if (typeof t.name === 'string' && (t.type === 'record' || t.type === 'enum' || t.type === 'fixed')) {
      into.set(t.name, t);
      if (ns && !t.name.includes('.')) into.set(`${ns}.${t.name}`, t);
    }
    if (t.type === 'record') for (const f of (t.fields ?? []) as AvroObject[]) namedTypes(f.type, into, ns);
    if (t.type === 'array') namedTypes(t.items, into, ns);
    if (t.type === 'map') namedTypes(t.values, into, ns);
  }
  return into;
}

function resolve(type: AvroType, named: ReadonlyMap<string, AvroObject>): AvroType {
  if (typeof type === 'string' && !SCALARS[type] && type !== 'null') return named.get(type) ?? type;
  return type;
}

function isNullableUnion(type: AvroType): type is readonly unknown[] {
  return Array.isArray(type) && type.includes('null');
}

function nonNull(type: AvroType): AvroType {
  if (!Array.isArray(type)) return type;
  const branches = type.filter((b) => b !== 'null');
  return branches.length === 1 ? branches[0] : { type: 'union', branches };
}

/** The shape of a value of Avro `type` held at `holder`, by the null rule (null-rule.ts). */
function fieldShape(
  type: AvroType,
  named: ReadonlyMap<string, AvroObject>,
  isKey: boolean,
  inside: ReadonlySet<string>,
  holder: Holder = 'field',
): { readonly type: ChType; readonly marker: boolean } {
  return nullableShape(typeOf(nonNull(type), named, inside), isNullableUnion(type), holder, isKey);
}

function typeOf(type: AvroType, named: ReadonlyMap<string, AvroObject>, inside: ReadonlySet<string>): ChType {
  const t = resolve(type, named);
  if (typeof t === 'string') return scalar(SCALARS[t] ?? 'String');
  const o = t as AvroObject;
  if (o.logicalType === 'timestamp-millis' && o.type === 'long') return scalar('DateTime64');
  const logical = logicalColumn(o);
  if (logical) return logical;
  switch (o.type) {
    case 'record': {
      const name = String(o.name);
      const fields = (o.fields ?? []) as readonly AvroObject[];
      // ClickHouse has no recursive types, and no empty tuples.
      if (inside.has(name) || fields.length === 0) return scalar('String');
      const nested = new Set(inside).add(name);
      const elements: (readonly [string, ChType])[] = [];
      for (const f of fields) {
        const shape = fieldShape(f.type, named, false, nested);
        elements.push([String(f.name), shape.type]);
        if (shape.marker) elements.push([nullMarkerName(String(f.name)), NULL_MARKER_TYPE]);
      }
      refuseMarkerClash(
        elements.map(([n]) => n),
        name,
      );
      return { kind: 'tuple', fields: elements };
    }
    case 'array':
      return { kind: 'array', items: fieldShape(o.items, named, false, inside, 'item').type };
    case 'map':
      return { kind: 'map', values: fieldShape(o.values, named, false, inside, 'item').type };
    case 'union':
      return scalar('String'); // unions other than ["null", T]: JSON text
    default:
      return typeof o.type === 'string' && SCALARS[o.type]
        ? scalar(SCALARS[o.type] as ScalarName)
        : typeOf(o.type, named, inside);
  }
}

/** The column of a logical type a dlt hint gives (src/avro/dlt-types.ts); undefined for other types. */
function logicalColumn(o: AvroObject): ChType | undefined {
  if (o.logicalType === 'date' && o.type === 'int') return { kind: 'other', sql: 'Date32' };
  if (o.logicalType === 'time-micros' && o.type === 'long') return scalar('String');
  if (o.logicalType === 'decimal' && o.type === 'bytes')
    return { kind: 'other', sql: `Decimal(${Number(o.precision)}, ${Number(o.scale ?? 0)})` };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Decoded Avro values → JSONEachRow cells

type Convert = (value: unknown) => unknown;
const identity: Convert = (v) => v;
// DateTime64 text in UTC, "2026-01-02 03:04:05.678": parsed the same by every input format setting.
// A record carries several timestamps and a chunk many records: built from cached day prefixes and
// padded digits rather than a Date, toISOString and two replaces each (that was a third of row mapping).
const DAY_MS = 86_400_000;
const YEAR_10000_MS = 253_402_300_800_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const dayPrefixes = new Map<number, string>();
function dateTimeText(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= YEAR_10000_MS)
    return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    if (dayPrefixes.size >= 10_000) dayPrefixes.clear();
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 10) + ' ';
    dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${prefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest - seconds * 1000]}`;
}

/** How a value written as Avro `type` becomes a cell of a column of type `target` (null passes through). */
function cellConverter(type: AvroType, target: ChType, named: ReadonlyMap<string, AvroObject>): Convert {
  const convert = converter(nonNull(type), target.kind === 'nullable' ? target.inner : target, named, new Set());
  if (convert === identity) return identity;
  return (v) => (v === null || v === undefined ? null : convert(v));
}

function converter(
  type: AvroType,
  target: ChType,
  named: ReadonlyMap<string, AvroObject>,
  inside: ReadonlySet<string>,
): Convert {
  const t = resolve(type, named);
  const o = typeof t === 'object' && t !== null && !Array.isArray(t) ? (t as AvroObject) : undefined;
  const kind = typeof t === 'string' ? t : String(o?.type);
  const timestamp = o?.logicalType === 'timestamp-millis';
  if (target.kind === 'nullable') {
    const inner = converter(type, target.inner, named, inside);
    return inner === identity ? identity : (v) => (v === null || v === undefined ? null : inner(v));
  }
  // dlt hints' logical types, as text ClickHouse parses exactly into Date32, Decimal or String.
  if (o?.logicalType === 'date' && kind === 'int') return (v) => (typeof v === 'number' ? dateText(v) : v);
  if (o?.logicalType === 'time-micros' && kind === 'long')
    return (v) => (typeof v === 'number' ? timeText(v) : String(v));
  if (o?.logicalType === 'decimal' && kind === 'bytes') {
    const scale = Number(o.scale ?? 0);
    return (v) => (Buffer.isBuffer(v) ? decimalText(v, scale) : v);
  }
  if (target.kind === 'scalar' && target.name === 'String') {
    if (kind === 'string' || kind === 'enum') return identity;
    if (kind === 'bytes' || kind === 'fixed') return (v) => (Buffer.isBuffer(v) ? v.toString('base64') : String(v));
    if (timestamp) return (v) => (typeof v === 'number' ? dateTimeText(v) : String(v));
    return (v) => (typeof v === 'string' ? v : stringifyExact(v));
  }
  if (timestamp) return (v) => (typeof v === 'number' ? dateTimeText(v) : v);
  if (target.kind === 'tuple' && kind === 'record' && o) {
    const name = String(o.name);
    if (inside.has(name)) return (v) => stringifyExact(v);
    const nested = new Set(inside).add(name);
    const targets = new Map(target.fields);
    const fields: { name: string; field: string; convert: Convert }[] = [];
    for (const f of (o.fields ?? []) as readonly AvroObject[]) {
      const name = String(f.name);
      const element = targets.get(name);
      if (element) {
        const c = converter(nonNull(f.type), element, named, nested);
        fields.push({
          name,
          field: name,
          convert: c === identity ? identity : (v: unknown) => (v === null || v === undefined ? null : c(v)),
        });
      }
      // The element's null marker (null-rule.ts), whenever the tuple has one.
      if (targets.has(nullMarkerName(name)) && isListOrMap(f.type, named))
        fields.push({ name: nullMarkerName(name), field: name, convert: isNull });
    }
    if (fields.every((f) => f.convert === identity)) return identity;
    return (v) => {
      if (v === null || typeof v !== 'object') return v;
      const src = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of fields) out[f.name] = f.convert(src[f.field]);
      return out;
    };
  }
  if (target.kind === 'array' && kind === 'array' && o) {
    const item = converter(
      nonNull(o.items),
      target.items.kind === 'nullable' ? target.items.inner : target.items,
      named,
      inside,
    );
    return item === identity ? identity : (v) => (Array.isArray(v) ? v.map((x) => (x === null ? null : item(x))) : v);
  }
  if (target.kind === 'map' && kind === 'map' && o) {
    const value = converter(
      nonNull(o.values),
      target.values.kind === 'nullable' ? target.values.inner : target.values,
      named,
      inside,
    );
    if (value === identity) return identity;
    return (v) => {
      if (v === null || typeof v !== 'object') return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = x === null ? null : value(x);
      return out;
    };
  }
  if (kind === 'bytes' || kind === 'fixed') return (v) => (Buffer.isBuffer(v) ? v.toString('base64') : v);
  return identity;
}
