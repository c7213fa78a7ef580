// Infers an Avro record schema from sample records, and widens an existing schema with new samples.
//
// Every inferred field is nullable with a null default (so adding a field later is compatible both
// ways) except the primary key. On conflicting samples a type widens instead of failing:
//   int → long → double, timestamp + other strings → string, anything else mixed → string.
// Merging into an existing schema never narrows it: fields are never removed, a type only widens,
// names, docs and field order are kept, and new fields are appended before the envelope fields.
// Field names follow src/avro/names.ts: an API name becomes an Avro name by dlt's snake_case rule, the API
// name kept on the field (`streamtap.source_name`); existing fields are matched by that source name.
import { ENVELOPE_FIELDS, ENVELOPE_NAMES } from './envelope.js';
import { isExactLong } from './exact-long.js';
import { assignFieldNames, avroFieldName, isMappableName, SOURCE_NAME, sourceName } from './names.js';
import { hintedAvroType, type ColumnTypeHint } from './dlt-types.js';
import { epochMillis } from './timestamps.js';

type Avro = unknown;
type AvroObject = { readonly [key: string]: unknown };
type Scalar = 'string' | 'timestamp' | 'long' | 'double' | 'boolean';

/** What the samples showed, before it becomes an Avro type. `unknown`: only nulls or empty arrays. */
export type Observed =
  | { readonly kind: 'unknown' }
  | { readonly kind: Scalar }
  | { readonly kind: 'record'; readonly fields: ReadonlyMap<string, Observed> }
  | { readonly kind: 'map'; readonly values: Observed }
  | { readonly kind: 'array'; readonly items: Observed }
  /** a dlt `columns` hint's type that inference never produces (src/avro/dlt-types.ts): taken as it is */
  | { readonly kind: 'hinted'; readonly type: Avro };

interface Shape {
  kinds: Set<Scalar | 'object' | 'array'>;
  /** object fields (present in at least one sample), by the API's name */
  fields: Map<string, Shape>;
  /** object samples seen, and field occurrences over them: tells records from maps */
  objectSamples: number;
  keySamples: number;
  items: Shape | undefined;
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function emptyShape(): Shape {
  return { kinds: new Set(), fields: new Map(), objectSamples: 0, keySamples: 0, items: undefined };
}

function observe(shape: Shape, value: unknown, path: string): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string')
    // Only text a timestamp-millis holds exactly: with a zone, and nothing below the millisecond.
    shape.kinds.add(ISO_DATETIME.test(value) && epochMillis(value) !== undefined ? 'timestamp' : 'string');
  else if (typeof value === 'number') shape.kinds.add(Number.isSafeInteger(value) ? 'long' : 'double');
  // An integer beyond 2^53 (parsed exactly, json/exact-json.ts): a long while int64 holds it, else its
  // exact decimal text, never a double that would round it.
  else if (typeof value === 'bigint') shape.kinds.add(isExactLong(value) ? 'long' : 'string');
  else if (typeof value === 'boolean') shape.kinds.add('boolean');
  else if (Array.isArray(value)) {
    shape.kinds.add('array');
    shape.items ??= emptyShape();
    for (const item of value) observe(shape.items, item, `${path}[]`);
  } else if (typeof value === 'object') {
    shape.kinds.add('object');
    shape.objectSamples++;
    for (const [key, child] of Object.entries(value)) {
      // A name dlt's rule cannot map would leave its field untyped: stop, naming where it is.
      if (!isMappableName(key)) unmappable(key, path);
      shape.keySamples++;
      let field = shape.fields.get(key);
      if (!field) shape.fields.set(key, (field = emptyShape()));
      observe(field, child, path === '' ? key : `${path}.${key}`);
    }
  }
}

/** The samples' common type, widened where they disagree. */
export function observeSamples(samples: readonly unknown[]): Observed {
  const root = emptyShape();
  for (const s of samples) observe(root, s, '');
  return toObserved(root);
}

function unmappable(key: string, path: string): never {
  try {
    avroFieldName(key);
  } catch (error) {
    const where = path === '' ? 'a top-level field' : `a field of ${path}`;
    (error as Error).message = `${where}: ${(error as Error).message}`;
    throw error;
  }
  throw new Error(`unreachable: ${key} is mappable`);
}

function toObserved(shape: Shape): Observed {
  const kinds = shape.kinds;
  if (kinds.size === 0) return { kind: 'unknown' };
  if (kinds.size === 1) {
    const [kind] = kinds;
    if (kind === 'array') return { kind: 'array', items: shape.items ? toObserved(shape.items) : { kind: 'unknown' } };
    if (kind === 'object') return objectObserved(shape);
    return { kind: kind as Scalar };
  }
  if (kinds.size === 2 && kinds.has('long') && kinds.has('double')) return { kind: 'double' };
  return { kind: 'string' };
}

function objectObserved(shape: Shape): Observed {
  const values = [...shape.fields.values()];
  if (values.length === 0) return { kind: 'map', values: { kind: 'unknown' } };
  const avgKeys = shape.keySamples / Math.max(1, shape.objectSamples);
  const scalar = (s: Shape) => s.kinds.size === 1 && !s.kinds.has('object') && !s.kinds.has('array');
  // Free-form objects (custom metadata) have many distinct keys and few per sample: a map, not a record.
  if (values.every(scalar) && shape.fields.size > 2 * avgKeys && shape.objectSamples > 1) {
    return { kind: 'map', values: values.map(toObserved).reduce(widenObserved) };
  }
  return { kind: 'record', fields: new Map([...shape.fields].map(([name, child]) => [name, toObserved(child)])) };
}

function widenObserved(a: Observed, b: Observed): Observed {
  if (a.kind === 'unknown') return b;
  if (b.kind === 'unknown' || a.kind === b.kind) return a;
  if ((a.kind === 'long' && b.kind === 'double') || (a.kind === 'double' && b.kind === 'long'))
    return { kind: 'double' };
  return { kind: 'string' };
}

// ---------------------------------------------------------------------------------------------
// Merging observations into an Avro schema

export interface SchemaChange {
  /** `payment.amount_total`, `attendees[].phone` (Avro names) */
  readonly path: string;
  /** the API's name of an added field, when its Avro name differs */
  readonly sourceName?: string;
  readonly kind: 'added' | 'widened';
  readonly from?: string;
  readonly to: string;
  /** false when a ClickHouse column of this type cannot be changed to the new one (see src/clickhouse/column-types.ts) */
  readonly tableFollows: boolean;
}

export interface InferOptions {
  readonly name: string;
  readonly namespace: string;
  readonly primaryKey: readonly string[];
  readonly doc?: string;
  /**
   * dlt's `columns` hint by API field name: a `data_type` beats what the samples show (and adds the field when no
   * sample has it); every dlt data type, with `precision`/`scale` for `decimal` (src/avro/dlt-types.ts).
   */
  readonly columns?: Readonly<Record<string, ColumnTypeHint>>;
  /**
   * false: fields are only added, an existing type never widens (the producer's `schema_contract` columns
   * `evolve`, where a value that does not fit its type is the `data_type` entity's business)
   * @default true
   */
  readonly widen?: boolean;
}

/** dlt data types (dlt/common/schema/typing.py) as the kinds inference produces; the Avro type follows from them. */
const HINTED_KINDS: Readonly<Record<string, Scalar>> = {
  text: 'string',
  bigint: 'long',
  double: 'double',
  bool: 'boolean',
  timestamp: 'timestamp',
};

/** The observation with each hinted top-level field's kind replaced by its hint (dlt: a hint beats inference). */
function applyColumnHints(observed: Observed, columns: InferOptions['columns'], notes: string[]): Observed {
  if (!columns || Object.keys(columns).length === 0) return observed;
  const fields = new Map(observed.kind === 'record' ? observed.fields : []);
  for (const [name, hint] of Object.entries(columns)) {
    if (hint.data_type === undefined) continue;
    const kind = HINTED_KINDS[hint.data_type];
    if (kind) {
      fields.set(name, { kind });
      continue;
    }
    const hinted = hintedAvroType(name, hint);
    if ('type' in hinted) fields.set(name, { kind: 'hinted', type: hinted.type });
    else notes.push(hinted.note);
  }
  return { kind: 'record', fields };
}

export interface MergeResult {
  readonly schema: Record<string, unknown>;
  readonly changes: readonly SchemaChange[];
  /** notes that are not changes, e.g. samples that look like a map where the schema has a record */
  readonly notes: readonly string[];
}

/** A fresh schema from samples. */
export function inferSchema(samples: readonly unknown[], options: InferOptions): Record<string, unknown> {
  return mergeSamples(undefined, samples, options).schema;
}

/**
 * Widens `existing` (or a new, empty record schema) with what the samples show. Returns the new schema
 * and the list of changes; an unchanged schema comes back equal to `existing` with no changes.
 */
export function mergeSamples(
  existing: AvroObject | undefined,
  samples: readonly unknown[],
  options: InferOptions,
): MergeResult {
  const hintNotes: string[] = [];
  const observed = applyColumnHints(observeSamples(samples), options.columns, hintNotes);
  const base: AvroObject = existing ?? {
    type: 'record',
    name: pascal(options.name),
    namespace: options.namespace,
    ...(options.doc ? { doc: options.doc } : {}),
    fields: [],
  };
  const ctx: MergeContext = {
    changes: [],
    notes: hintNotes,
    names: collectNames(base),
    widen: options.widen ?? true,
  };
  const own = ((base.fields ?? []) as readonly AvroObject[]).filter((f) => !ENVELOPE_NAMES.has(String(f.name)));
  const record =
    observed.kind === 'record' ? observed : { kind: 'record' as const, fields: new Map<string, Observed>() };
  const fields = mergeFields(own, record.fields, [pascal(String(base.name))], '', ctx, options.primaryKey);
  const schema = { ...base, fields: [...fields, ...ENVELOPE_FIELDS] } as Record<string, unknown>;
  return { schema, changes: ctx.changes, notes: ctx.notes };
}

interface MergeContext {
  readonly changes: SchemaChange[];
  readonly notes: string[];
  /** named types in use, so new nested records get unique names */
  readonly names: Set<string>;
  /** false: existing types are kept as they are (InferOptions.widen) */
  readonly widen: boolean;
}

function mergeFields(
  existing: readonly AvroObject[],
  observed: ReadonlyMap<string, Observed>,
  namePath: readonly string[],
  prefix: string,
  ctx: MergeContext,
  primaryKey: readonly string[] = [],
): AvroObject[] {
  const out: AvroObject[] = [];
  const known = new Set<string>();
  for (const field of existing) {
    const name = String(field.name);
    known.add(sourceName(field as { name: string }));
    const seen = observed.get(sourceName(field as { name: string }));
    if (!seen) {
      out.push(field);
      continue;
    }
    const type = mergeType(field.type, seen, [...namePath, pascal(name)], prefix + name, ctx);
    out.push(type === field.type ? field : { ...field, type });
  }
  // The envelope's names are taken at the top: an API field `_version` becomes `_version_2`.
  const taken = new Set([...existing.map((f) => String(f.name)), ...(prefix === '' ? ENVELOPE_NAMES : [])]);
  const names = assignFieldNames(
    [...observed.keys()].filter((source) => !known.has(source)),
    taken,
  );
  // In the samples' order; only the names depend on the set of names.
  for (const [source, seen] of observed) {
    const name = names.get(source);
    if (name === undefined) continue;
    const inner = newType(seen, [...namePath, pascal(name)], ctx);
    const key = prefix === '' && primaryKey.includes(source);
    const type = key ? inner : ['null', inner];
    ctx.changes.push({
      path: prefix + name,
      ...(source === name ? {} : { sourceName: source }),
      kind: 'added',
      to: describe(type),
      tableFollows: true,
    });
    out.push(namedField(name, source, key ? { type } : { type, default: null }));
  }
  return out;
}

/** A field with its API name kept beside the Avro name when they differ. */
function namedField(name: string, source: string, rest: AvroObject): AvroObject {
  return source === name ? { name, ...rest } : { name, [SOURCE_NAME]: source, ...rest };
}

/** `existing` widened by `seen`; returns `existing` itself (same object) when nothing changes. */
function mergeType(existing: Avro, seen: Observed, namePath: readonly string[], path: string, ctx: MergeContext): Avro {
  // A field the file already has keeps its type: a hint types new fields only (docs/schemas.md).
  if (seen.kind === 'unknown' || seen.kind === 'hinted') return existing;
  if (Array.isArray(existing)) {
    const branches = existing.filter((b) => b !== 'null');
    if (branches.length !== 1) return existing; // a union streamtap did not write: left as it is
    const merged = mergeType(branches[0], seen, namePath, path, ctx);
    return merged === branches[0] ? existing : existing.map((b) => (b === 'null' ? b : merged));
  }
  const kind = avroKind(existing);
  switch (kind) {
    case 'string':
      return existing; // holds anything (non-strings as their JSON text)
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      if (seen.kind === 'long') return kind === 'int' ? widened(existing, 'long', path, ctx, true) : existing;
      if (seen.kind === 'double') return kind === 'double' ? existing : widened(existing, 'double', path, ctx, true);
      return widened(existing, 'string', path, ctx, true);
    case 'timestamp':
      // Epoch numbers fit a timestamp too (record-shaper.ts).
      if (seen.kind === 'timestamp' || seen.kind === 'long') return existing;
      return widened(existing, 'string', path, ctx, true);
    case 'boolean':
      return seen.kind === 'boolean' ? existing : widened(existing, 'string', path, ctx, true);
    case 'record': {
      const rec = existing as AvroObject;
      if (seen.kind === 'map') {
        ctx.notes.push(
          `${path}: samples look like a free-form object (a map); the schema keeps its record, other keys go to _extra`,
        );
        return existing;
      }
      if (seen.kind !== 'record') return widened(existing, 'string', path, ctx, false);
      const fields = rec.fields as readonly AvroObject[];
      const merged = mergeFields(fields, seen.fields, [String(rec.name)], `${path}.`, ctx);
      return merged.length === fields.length && merged.every((f, i) => f === fields[i])
        ? existing
        : { ...rec, fields: merged };
    }
    case 'map': {
      const map = existing as AvroObject;
      let values: Observed;
      if (seen.kind === 'map') values = seen.values;
      else if (seen.kind === 'record') values = [...seen.fields.values()].reduce(widenObserved, { kind: 'unknown' });
      else return widened(existing, 'string', path, ctx, false);
      const merged = mergeType(map.values, values, [...namePath, 'Value'], `${path}.*`, ctx);
      return merged === map.values ? existing : { ...map, values: merged };
    }
    case 'array': {
      const arr = existing as AvroObject;
      if (seen.kind !== 'array') return widened(existing, 'string', path, ctx, false);
      const merged = mergeType(arr.items, seen.items, [...namePath, 'Item'], `${path}[]`, ctx);
      return merged === arr.items ? existing : { ...arr, items: merged };
    }
    default:
      return existing; // enum, fixed, bytes, a named reference: written by hand, left as it is
  }
}

function widened(
  existing: Avro,
  to: 'long' | 'double' | 'string',
  path: string,
  ctx: MergeContext,
  scalar: boolean,
): Avro {
  if (!ctx.widen) return existing;
  // Scalars widen in ClickHouse too (MODIFY COLUMN); a record, map or array column cannot become a String.
  ctx.changes.push({ path, kind: 'widened', from: describe(existing), to, tableFollows: scalar });
  return to;
}

function newType(seen: Observed, namePath: readonly string[], ctx: MergeContext): Avro {
  switch (seen.kind) {
    case 'unknown':
      return 'string'; // only nulls or empty arrays seen: the least committal type
    case 'hinted':
      return seen.type;
    case 'timestamp':
      return { type: 'long', logicalType: 'timestamp-millis' };
    case 'string':
    case 'long':
    case 'double':
    case 'boolean':
      return seen.kind;
    case 'array':
      return { type: 'array', items: newType(seen.items, [...namePath, 'Item'], ctx) };
    case 'map':
      return { type: 'map', values: newType(seen.values, [...namePath, 'Value'], ctx) };
    case 'record': {
      const base = namePath.join('_');
      let name = base;
      for (let i = 2; ctx.names.has(name); i++) name = `${base}${i}`;
      ctx.names.add(name);
      const names = assignFieldNames(seen.fields.keys(), new Set());
      const fields = [...seen.fields].map(([source, child]) => {
        const field = names.get(source) as string;
        return namedField(field, source, {
          type: ['null', newType(child, [...namePath, pascal(field)], ctx)],
          default: null,
        });
      });
      return { type: 'record', name, fields };
    }
  }
}

type Kind =
  'string' | 'int' | 'long' | 'float' | 'double' | 'boolean' | 'timestamp' | 'record' | 'map' | 'array' | 'other';

function avroKind(type: Avro): Kind {
  if (typeof type === 'string') {
    return (['string', 'int', 'long', 'float', 'double', 'boolean'] as const).find((k) => k === type) ?? 'other';
  }
  const t = type as AvroObject;
  if (t.logicalType === 'timestamp-millis' && t.type === 'long') return 'timestamp';
  if (t.type === 'record' || t.type === 'map' || t.type === 'array') return t.type;
  if (typeof t.type === 'string' && !t.logicalType) return avroKind(t.type);
  return 'other';
}

/** A short human-readable form of an Avro type, for diffs. */
export function describe(type: Avro): string {
  if (Array.isArray(type)) return type.map(describe).join(' | ');
  if (typeof type === 'string') return type;
  const t = type as AvroObject;
  if (t.logicalType) return String(t.logicalType);
  if (t.type === 'record') return `record ${String(t.name)}`;
  if (t.type === 'array') return `array<${describe(t.items)}>`;
  if (t.type === 'map') return `map<${describe(t.values)}>`;
  return typeof t.type === 'string' ? t.type : describe(t.type);
}

function collectNames(schema: Avro, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const b of schema) collectNames(b, into);
  else if (schema && typeof schema === 'object') {
    const t = schema as AvroObject;
    if ((t.type === 'record' || t.type === 'enum' || t.type === 'fixed') && typeof t.name === 'string')
      into.add(t.name);
    if (t.type === 'record') for (const f of (t.fields ?? []) as AvroObject[]) collectNames(f.type, into);
    if (t.type === 'array') collectNames(t.items, into);
    if (t.type === 'map') collectNames(t.values, into);
  }
  return into;
}

function pascal(text: string): string {
  return (
    text
      .replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase())
      .replace(/[^A-Za-z0-9]/g, '') || 'Field'
  );
}
