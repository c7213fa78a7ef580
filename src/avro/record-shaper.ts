// Turns an API record (parsed JSON) into a value that fits its Avro schema, losing nothing:
// a field the schema does not know, or a value that does not fit its declared type, is kept in
// `extra` under its path (`scheduler.nickname`, `attendees[2].phone`) instead of being dropped.
// A string field accepts any value (non-strings as JSON text); other types accept only their own.
// The converter tree is compiled once per schema so the per-record work is plain property access.
// A field is read from the API record under its source name (`streamtap.source_name`, src/avro/names.ts)
// and written under its Avro name; `_extra` paths use the API's names. A key the schema does not know
// and no Avro name can hold is refused (the record is dead-lettered), like `schema infer` refuses it.
// Integers beyond 2^53 arrive as bigint (json/exact-json.ts): a long takes them within int64; a string
// takes them as their exact digits; any other type leaves them to `extra`, where they stay exact.
import { isExactLong, longFromText } from './exact-long.js';
import { ErrorCode, StreamtapError } from '../errors.js';
import { stringifyExact } from '../json/exact-json.js';
import { avroFieldName, isMappableName, sourceName } from './names.js';
import { Drift, type Extra } from './drift-collector.js';
import { toBase64Bytes, toDecimalBytes, toEpochDays, toTimeMicros } from './logical-values.js';
import { epochMillis } from './timestamps.js';

export type AvroSchema =
  string | readonly AvroSchema[] | { readonly type: string | AvroSchema; readonly [key: string]: unknown };

const MISMATCH: unique symbol = Symbol('mismatch');
type Result = unknown;
type Converter = (value: unknown, path: string, drift: Drift) => Result;

interface FieldPlan {
  readonly name: string;
  /** the key the API record carries the value under */
  readonly source: string;
  readonly convert: Converter;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
}

export class RecordShapeError extends StreamtapError {
  readonly code = ErrorCode.RECORD_SHAPE;
}

export interface ShapedRecord {
  readonly value: Record<string, unknown>;
  /** fields kept aside by path, or null when the record fit the schema exactly */
  readonly extra: Extra | null;
  /** the same values, told apart as unknown fields and mismatched values (the schema contract's entities) */
  readonly drift: Drift;
}

export type RecordShaper = (record: unknown) => ShapedRecord;

/** `skip`: top-level schema fields filled in by someone else (the envelope); a record's own key of that name goes to extra. */
export function compileShaper(schema: AvroSchema, skip: ReadonlySet<string> = new Set()): RecordShaper {
  const named = new Map<string, Converter>();
  const root =
    typeof schema === 'object' && !Array.isArray(schema) ? (schema as { readonly [key: string]: unknown }) : undefined;
  if (!root || root.type !== 'record') throw new RecordShapeError('a resource schema must be an Avro record');
  const plans = fieldPlans(root, named, skip);
  const sources = sourceNames(plans);
  return (record) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new RecordShapeError(
        `a record must be a JSON object, got ${Array.isArray(record) ? 'a list' : String(record)}`,
      );
    }
    const drift = new Drift();
    const value = shapeObject(record as Record<string, unknown>, plans, sources, '', drift);
    if (value === MISMATCH) throw new RecordShapeError('record does not fit its schema');
    return { value: value as Record<string, unknown>, extra: drift.empty ? null : drift.values, drift };
  };
}

function fieldPlans(
  record: { readonly [key: string]: unknown },
  named: Map<string, Converter>,
  skip: ReadonlySet<string>,
): FieldPlan[] {
  const fields = (record.fields ?? []) as readonly { name: string; type: AvroSchema; default?: unknown }[];
  return fields
    .filter((f) => !skip.has(f.name))
    .map((f) => ({
      name: f.name,
      source: sourceName(f),
      convert: compile(f.type, named),
      nullable: isNullable(f.type),
      hasDefault: Object.hasOwn(f, 'default'),
      defaultValue: f.default,
    }));
}

function shapeObject(
  input: Record<string, unknown>,
  plans: readonly FieldPlan[],
  sources: ReadonlySet<string>,
  prefix: string,
  drift: Drift,
): Result {
  const out: Record<string, unknown> = {};
  for (const plan of plans) {
    const raw = input[plan.source];
    const path = prefix + plan.source;
    if (raw === undefined || raw === null) {
      if (plan.nullable) out[plan.name] = null;
      else if (plan.hasDefault && raw === undefined) out[plan.name] = plan.defaultValue;
      else return MISMATCH;
      continue;
    }
    const converted = plan.convert(raw, path, drift);
    if (converted !== MISMATCH) out[plan.name] = converted;
    else if (plan.nullable) {
      out[plan.name] = null;
      drift.mismatch(path, raw);
    } else return MISMATCH;
  }
  for (const key in input) {
    if (!sources.has(key) && input[key] !== undefined) {
      assertMappable(key, prefix);
      drift.unknownField(prefix + key, input[key]);
    }
  }
  return out;
}

export function sourceNames(plans: readonly { readonly source: string }[]): ReadonlySet<string> {
  return new Set(plans.map((p) => p.source));
}

/** A key no Avro name can hold: refused with the reason avroFieldName gives, where it is. */
export function assertMappable(key: string, prefix: string): void {
  if (isMappableName(key)) return;
  try {
    avroFieldName(key);
  } catch (error) {
    const where = prefix === '' ? 'a top-level field' : `a field of ${prefix.slice(0, -1)}`;
    throw new RecordShapeError(`${where}: ${(error as Error).message}`);
  }
}

function compile(schema: AvroSchema, named: Map<string, Converter>): Converter {
  if (Array.isArray(schema)) {
    const branches = schema.filter((b) => b !== 'null');
    if (branches.length !== 1)
      throw new RecordShapeError(`unions other than ["null", T] are not supported: ${JSON.stringify(schema)}`);
    return compile(branches[0] as AvroSchema, named);
  }
  if (typeof schema === 'string') return primitive(schema, named);
  const s = schema as { readonly type: AvroSchema; readonly [key: string]: unknown };
  if (s.logicalType === 'timestamp-millis') return timestampMillis;
  const logical = logicalConverter(s);
  if (logical) return logical;
  switch (s.type) {
    case 'array': {
      const item = compile(s.items as AvroSchema, named);
      return (v, path, drift) => {
        if (!Array.isArray(v)) return MISMATCH;
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          const c = item(v[i], `${path}[${i}]`, drift);
          if (c === MISMATCH) return MISMATCH;
          out[i] = c;
        }
        return out;
      };
    }
    case 'map': {
      const value = compile(s.values as AvroSchema, named);
      return (v, path, drift) => {
        if (!isPlainObject(v)) return MISMATCH;
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
          const c = value(x, `${path}.${k}`, drift);
          if (c === MISMATCH) return MISMATCH;
          out[k] = c;
        }
        return out;
      };
    }
    case 'record': {
      // Registered before its fields compile, so a record may refer to itself.
      let plans: FieldPlan[] = [];
      let sources: ReadonlySet<string> = EMPTY;
      const convert: Converter = (v, path, drift) =>
        isPlainObject(v) ? shapeObject(v, plans, sources, `${path}.`, drift) : MISMATCH;
      named.set(qualified(s), convert);
      named.set(String(s.name), convert);
      plans = fieldPlans(s, named, EMPTY);
      sources = sourceNames(plans);
      return convert;
    }
    case 'enum': {
      const symbols = new Set(s.symbols as string[]);
      return (v) => (typeof v === 'string' && symbols.has(v) ? v : MISMATCH);
    }
    default:
      return compile(s.type, named);
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function primitive(name: string, named: Map<string, Converter>): Converter {
  switch (name) {
    case 'string':
      // A string field holds text; any other value as its JSON text. That is what `schema infer` means
      // when it widens a field whose samples disagree (42 and "A-7") to string.
      return (v) => (typeof v === 'string' ? v : stringifyExact(v));
    case 'int':
      return (v) => {
        const n = typeof v === 'string' ? longFromText(v) : v;
        return typeof n === 'number' && Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff ? n : MISMATCH;
      };
    case 'long':
      return (v) => (isExactLong(v) ? v : typeof v === 'string' ? (longFromText(v) ?? MISMATCH) : MISMATCH);
    case 'float':
    case 'double':
      return (v) => (typeof v === 'number' && Number.isFinite(v) ? v : MISMATCH);
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? v : MISMATCH);
    case 'null':
      return (v) => (v === null ? null : MISMATCH);
    case 'bytes':
      // dlt's `binary`: JSON carries bytes as base64 text.
      return (v) => toBase64Bytes(v) ?? MISMATCH;
    default: {
      const ref = named.get(name);
      if (!ref) throw new RecordShapeError(`unknown Avro type "${name}"`);
      return ref;
    }
  }
}

/**
 * The logical types a dlt `columns` hint gives (src/avro/dlt-types.ts), each exact or a mismatch; undefined
 * for any other type (a logical type streamtap does not write is its underlying type, as Avro readers do).
 */
function logicalConverter(s: { readonly type: AvroSchema; readonly [key: string]: unknown }): Converter | undefined {
  switch (`${String(s.logicalType)}/${typeof s.type === 'string' ? s.type : ''}`) {
    case 'date/int':
      return (v) => toEpochDays(v) ?? MISMATCH;
    case 'time-micros/long':
      return (v) => toTimeMicros(v) ?? MISMATCH;
    case 'decimal/bytes': {
      const precision = Number(s.precision);
      const scale = Number(s.scale ?? 0);
      return (v) => toDecimalBytes(v, precision, scale) ?? MISMATCH;
    }
    case 'json/string':
      // The value's JSON text, strings included (`"a"` → `"\"a\""`), so JSON functions read every value back.
      return (v) => stringifyExact(v) ?? MISMATCH;
    default:
      return undefined;
  }
}

function timestampMillis(v: unknown): Result {
  return epochMillis(v) ?? MISMATCH;
}

export function isNullable(schema: AvroSchema): boolean {
  return Array.isArray(schema) && schema.includes('null');
}

export function qualified(s: { readonly [key: string]: unknown }): string {
  return s.namespace ? `${String(s.namespace)}.${String(s.name)}` : String(s.name);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
