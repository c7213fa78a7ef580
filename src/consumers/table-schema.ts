// How an Avro resource schema becomes a ClickHouse table, and a decoded record one of its rows.
//   string → String, int → Int32, long → Int64, float → Float32, double → Float64, boolean → Bool,
//   timestamp-millis → DateTime64(3, 'UTC'), array of scalars → Array(T),
//   records, maps and arrays of records → String holding JSON (query with JSONExtract*),
//   ["null", T] → Nullable(T) where ClickHouse allows it (not around Array).
import type { AvroRecordSchema } from '../avro/schema-store.js';
import type { WriteDisposition } from '../config/schema.js';

type AvroType = unknown;

interface Column {
  readonly name: string;
  readonly type: string;
  readonly toCell: (value: unknown) => unknown;
}

export interface TableSpec {
  readonly database: string;
  readonly table: string;
  readonly columns: readonly Column[];
  readonly primaryKey: readonly string[];
  readonly writeDisposition: WriteDisposition;
}

export function tableSpec(
  database: string,
  table: string,
  schema: AvroRecordSchema,
  primaryKey: readonly string[],
  writeDisposition: WriteDisposition,
): TableSpec {
  const columns = schema.fields.map((f) => column(f.name, f.type, primaryKey.includes(f.name)));
  for (const key of primaryKey) {
    if (!columns.some((c) => c.name === key)) throw new Error(`${database}.${table}: primary key "${key}" is not a field of the schema`);
  }
  return { database, table, columns, primaryKey, writeDisposition };
}

export function createTableSql(spec: TableSpec): string {
  const cols = spec.columns.map((c) => `  ${quote(c.name)} ${c.name === '_version' ? 'UInt64' : c.type}`).join(',\n');
  const key = spec.primaryKey.map(quote).join(', ');
  // merge and replace keep the latest observation of a key; append keeps every observation.
  const engine =
    spec.writeDisposition === 'append'
      ? `MergeTree ORDER BY (${key}, _version)`
      : `ReplacingMergeTree(_version) ORDER BY (${key})`;
  // A replayed insert with the same deduplication token is dropped (see consumers/sink.ts).
  return `CREATE TABLE IF NOT EXISTS ${quote(spec.database)}.${quote(spec.table)} (\n${cols}\n) ENGINE = ${engine}\nSETTINGS non_replicated_deduplication_window = 10000`;
}

/** A decoded Avro record → a JSONEachRow row. */
export function compileRowMapper(spec: TableSpec): (record: Record<string, unknown>) => Record<string, unknown> {
  const columns = spec.columns;
  return (record) => {
    const row: Record<string, unknown> = {};
    for (const c of columns) row[c.name] = c.toCell(record[c.name]);
    return row;
  };
}

export function quote(identifier: string): string {
  return '`' + identifier.replace(/`/g, '``') + '`';
}

const identity = (v: unknown): unknown => v;
const json = (v: unknown): unknown => (v === null || v === undefined ? null : JSON.stringify(v));
// DateTime64 text in UTC, "2026-01-02 03:04:05.678": parsed the same by every input format setting.
const dateTime = (v: unknown): unknown => (typeof v === 'number' ? new Date(v).toISOString().replace('T', ' ').replace('Z', '') : null);

function column(name: string, type: AvroType, isKey: boolean): Column {
  const nullable = Array.isArray(type) && type.includes('null');
  const inner = Array.isArray(type) ? (type.find((t) => t !== 'null') as AvroType) : type;
  const { sql, toCell, canBeNullable } = scalarOrComposite(inner);
  const wrap = nullable && canBeNullable && !isKey;
  return { name, type: wrap ? `Nullable(${sql})` : sql, toCell };
}

function scalarOrComposite(type: AvroType): { sql: string; toCell: (v: unknown) => unknown; canBeNullable: boolean } {
  if (typeof type === 'string') {
    const sql = PRIMITIVES[type];
    if (sql) return { sql, toCell: identity, canBeNullable: true };
    return { sql: 'String', toCell: json, canBeNullable: true }; // a named record
  }
  const t = type as { type: AvroType; logicalType?: string; items?: AvroType };
  if (t.logicalType === 'timestamp-millis') return { sql: "DateTime64(3, 'UTC')", toCell: dateTime, canBeNullable: true };
  if (t.type === 'array' && typeof t.items === 'string' && PRIMITIVES[t.items]) {
    return { sql: `Array(${PRIMITIVES[t.items]})`, toCell: (v) => v ?? [], canBeNullable: false };
  }
  if (typeof t.type === 'string' && PRIMITIVES[t.type]) return { sql: PRIMITIVES[t.type] as string, toCell: identity, canBeNullable: true };
  return { sql: 'String', toCell: json, canBeNullable: true };
}

const PRIMITIVES: Readonly<Record<string, string>> = {
  string: 'String',
  int: 'Int32',
  long: 'Int64',
  float: 'Float32',
  double: 'Float64',
  boolean: 'Bool',
};
