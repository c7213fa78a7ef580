// The producer's fast path: shapes an API record and writes its framed Avro binary in one walk, straight
// into a shared slab, instead of building the shaped object (record-shaper.ts), encoding it with avsc
// and concatenating the header. Same rules, same bytes, same `_extra`: it mirrors the shaper field by
// field and avsc's encodings exactly (tests compare both paths on every schema feature). A schema it does
// not mirror gets no writer (undefined) and a value it does not mirror throws UnsupportedValue; the codec
// then takes the slow path, so the two can never disagree on a message.
import { ErrorCode, StreamtapError } from '../errors.js';
import { ENVELOPE_FIELDS, ENVELOPE_NAMES } from './envelope.js';
import { sourceName } from './names.js';
import {
  assertMappable,
  isNullable,
  isPlainObject,
  qualified,
  RecordShapeError,
  type AvroSchema,
} from './record-shaper.js';
import { ByteSlab } from './byte-slab.js';
import { epochMillis } from './timestamps.js';
import { isExactLong, longFromText } from './exact-long.js';
import { stringifyExact } from '../json/exact-json.js';
import { Drift, type Extra } from './drift-collector.js';

/** Writes `v` as its type; false when it does not fit (the caller rewinds), as the shaper's MISMATCH. */
type Writer = (v: unknown, path: string, drift: Drift) => boolean;

/**
 * What a drifted record keeps in `_extra` (src/avro/schema-contract.ts applies the resource's contract);
 * it may throw to refuse the record. Called only for a record that did not fit its schema exactly.
 */
export type DriftSettler = (drift: Drift) => { readonly extra: Extra | null; readonly discarded: readonly string[] };

/** Without a contract: everything that did not fit is kept in `_extra`. */
export const keepAll: DriftSettler = (drift) => ({ extra: drift.values, discarded: [] });

export interface EnvelopeValues {
  readonly extractedAt: number;
  readonly runId: string;
  /** called once the record is known to fit, as the slow path does */
  readonly nextVersion: () => number;
}

export interface WrittenRecord {
  /** a view into the slab: valid until the caller drops it (kafkajs copies it into its request) */
  readonly bytes: Buffer;
  /** what `_extra` holds: null when the record fit, or when the contract dropped every value kept aside */
  readonly extra: Extra | null;
  /** paths whose values the contract's `discard_value` dropped (absent when none) */
  readonly discarded?: readonly string[];
}

export type RecordWriter = (record: unknown, envelope: EnvelopeValues) => WrittenRecord;

/** A value the fast path does not mirror exactly (e.g. a `__proto__` map key): use the slow path for it. */
export class UnsupportedValue extends StreamtapError {
  override readonly name = 'UnsupportedValue';
  readonly code = ErrorCode.AVRO_WRITER_UNSUPPORTED;
}

interface FieldPlan {
  readonly name: string;
  /** the key the API record carries the value under (src/avro/names.ts) */
  readonly source: string;
  readonly write: Writer;
  readonly nullable: boolean;
  /** union branch indices; -1 when the field is not a union */
  readonly nullIndex: number;
  readonly branchIndex: number;
}

/** A schema the fast path does not mirror (non-null defaults, envelope not last, ...): compile returns undefined. */
class Unsupported extends StreamtapError {
  readonly code = ErrorCode.AVRO_WRITER_UNSUPPORTED;
}

/** `header`: the framing written before every body (single-object or Confluent); `settle`: the contract. */
export function compileRecordWriter(
  schema: AvroSchema,
  header: Buffer,
  settle: DriftSettler = keepAll,
): RecordWriter | undefined {
  try {
    return compileTop(schema, header, settle);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

function compileTop(schema: AvroSchema, header: Buffer, settle: DriftSettler): RecordWriter {
  const root = schema as {
    readonly type: string;
    readonly fields?: readonly { name: string; type: AvroSchema; default?: unknown }[];
  };
  const fields = root.fields ?? [];
  const firstEnvelope = fields.findIndex((f) => ENVELOPE_NAMES.has(f.name));
  const envelope = fields.slice(firstEnvelope);
  if (firstEnvelope === -1 || envelope.some((f) => !ENVELOPE_NAMES.has(f.name)))
    throw new Unsupported('envelope fields are not the last fields');
  for (const f of envelope) {
    const expected = ENVELOPE_FIELDS.find((e) => e.name === f.name);
    if (!expected || JSON.stringify(f.type) !== JSON.stringify(expected.type))
      throw new Unsupported(`envelope field ${f.name} differs`);
  }
  const slab = new ByteSlab();
  const named = new Map<string, Writer>();
  const plans = fieldPlans(fields.slice(0, firstEnvelope), slab, named);
  const names = new Set(plans.map((p) => p.source));
  const order = envelope.map((f) => f.name);
  return (record, values) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new RecordShapeError(
        `a record must be a JSON object, got ${Array.isArray(record) ? 'a list' : String(record)}`,
      );
    }
    slab.begin(header);
    const drift = new Drift();
    if (!writeRecord(slab, record as Record<string, unknown>, plans, names, '', drift))
      throw new RecordShapeError('record does not fit its schema');
    const settled = drift.empty ? undefined : settle(drift);
    const kept = settled ? settled.extra : null;
    for (const name of order) {
      if (name === '_extra') {
        if (kept === null) slab.long(0);
        else {
          slab.long(1);
          slab.string(stringifyExact(kept));
        }
      } else if (name === '_extracted_at') slab.long(values.extractedAt);
      else if (name === '_run_id') slab.string(values.runId);
      else slab.long(values.nextVersion());
    }
    const bytes = slab.end();
    return settled && settled.discarded.length > 0
      ? { bytes, extra: kept, discarded: settled.discarded }
      : { bytes, extra: kept };
  };
}

function fieldPlans(
  fields: readonly { name: string; type: AvroSchema; default?: unknown }[],
  slab: ByteSlab,
  named: Map<string, Writer>,
): FieldPlan[] {
  return fields.map((f) => {
    if (f.name === '__proto__' || sourceName(f) === '__proto__') throw new Unsupported('a field named __proto__');
    const nullable = isNullable(f.type);
    if (Object.hasOwn(f, 'default') && !nullable) throw new Unsupported('a default on a field that is not nullable');
    const union = Array.isArray(f.type) ? unionBranch(f.type) : undefined;
    return {
      name: f.name,
      source: sourceName(f),
      write: compile(union ? union.branch : f.type, slab, named),
      nullable,
      nullIndex: union ? (f.type as readonly AvroSchema[]).indexOf('null') : -1,
      branchIndex: union ? union.index : -1,
    };
  });
}

// Mirrors record-shaper.ts shapeObject, writing instead of building; extra entries land in the same order.
function writeRecord(
  slab: ByteSlab,
  input: Record<string, unknown>,
  plans: readonly FieldPlan[],
  names: ReadonlySet<string>,
  prefix: string,
  drift: Drift,
): boolean {
  for (const plan of plans) {
    const raw = input[plan.source];
    if (raw === undefined || raw === null) {
      if (!plan.nullable) return false;
      slab.long(plan.nullIndex);
      continue;
    }
    const mark = slab.mark();
    if (plan.branchIndex !== -1) slab.long(plan.branchIndex);
    if (!plan.write(raw, prefix + plan.source, drift)) {
      if (!plan.nullable) return false;
      slab.rewind(mark);
      slab.long(plan.nullIndex);
      drift.mismatch(prefix + plan.source, raw);
    }
  }
  for (const key in input) {
    if (!names.has(key) && input[key] !== undefined) {
      assertMappable(key, prefix);
      drift.unknownField(prefix + key, input[key]);
    }
  }
  return true;
}

function unionBranch(schema: readonly AvroSchema[]): { branch: AvroSchema; index: number } {
  const branches = schema.filter((b) => b !== 'null');
  // The shaper refuses other unions when it compiles, before this runs.
  if (branches.length !== 1) throw new Unsupported('a union other than ["null", T]');
  return { branch: branches[0] as AvroSchema, index: schema.indexOf(branches[0] as AvroSchema) };
}

function compile(schema: AvroSchema, slab: ByteSlab, named: Map<string, Writer>): Writer {
  if (Array.isArray(schema)) {
    // Inside arrays and maps a union value is its one branch (the shaper's rule): index, then the value.
    const { branch, index } = unionBranch(schema);
    const write = compile(branch, slab, named);
    return (v, path, drift) => {
      slab.long(index);
      return write(v, path, drift);
    };
  }
  if (typeof schema === 'string') return primitive(schema, slab, named);
  const s = schema as { readonly type: AvroSchema; readonly [key: string]: unknown };
  if (s.logicalType === 'timestamp-millis') {
    if (s.type !== 'long') throw new Unsupported('timestamp-millis on a type other than long');
    return (v) => {
      const ms = epochMillis(v);
      if (ms === undefined) return false;
      slab.long(ms);
      return true;
    };
  }
  // Other logical types (dlt's date, time, decimal, json hints) take the shaper's path: it converts them.
  if (s.logicalType !== undefined) throw new Unsupported(`logical type ${String(s.logicalType)}`);
  switch (s.type) {
    case 'array': {
      const item = compile(s.items as AvroSchema, slab, named);
      return (v, path, drift) => {
        if (!Array.isArray(v)) return false;
        const n = v.length;
        if (n > 0) {
          slab.long(n);
          for (let i = 0; i < n; i++) if (!item(v[i], `${path}[${i}]`, drift)) return false;
        }
        slab.long(0);
        return true;
      };
    }
    case 'map': {
      const value = compile(s.values as AvroSchema, slab, named);
      return (v, path, drift) => {
        if (!isPlainObject(v)) return false;
        const keys = Object.keys(v);
        const n = keys.length;
        if (n > 0) {
          slab.long(n);
          for (let i = 0; i < n; i++) {
            const key = keys[i] as string;
            // The shaper's `out[key] = …` drops such a key; not worth mirroring here.
            if (key === '__proto__') throw new UnsupportedValue('a map key named __proto__');
            slab.string(key);
            if (!value(v[key], `${path}.${key}`, drift)) return false;
          }
        }
        slab.long(0);
        return true;
      };
    }
    case 'record': {
      // Registered before its fields compile, so a record may refer to itself.
      let plans: FieldPlan[] = [];
      let names: ReadonlySet<string> = new Set();
      const write: Writer = (v, path, drift) =>
        isPlainObject(v) && writeRecord(slab, v, plans, names, `${path}.`, drift);
      named.set(qualified(s), write);
      named.set(String(s.name), write);
      plans = fieldPlans((s.fields ?? []) as { name: string; type: AvroSchema; default?: unknown }[], slab, named);
      names = new Set(plans.map((p) => p.source));
      return write;
    }
    case 'enum': {
      const symbols = new Map((s.symbols as string[]).map((symbol, i) => [symbol, i]));
      return (v) => {
        const index = typeof v === 'string' ? symbols.get(v) : undefined;
        if (index === undefined) return false;
        slab.long(index);
        return true;
      };
    }
    default:
      return compile(s.type, slab, named);
  }
}

function primitive(name: string, slab: ByteSlab, named: Map<string, Writer>): Writer {
  switch (name) {
    case 'string':
      return (v) => {
        const text = typeof v === 'string' ? v : stringifyExact(v);
        // undefined for a function or symbol: the slow path reports what avsc says about it.
        if (text === undefined) throw new UnsupportedValue('a value without JSON text');
        slab.string(text);
        return true;
      };
    case 'int':
      return (v) => {
        const n = typeof v === 'string' ? longFromText(v) : v;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff) return false;
        slab.long(n);
        return true;
      };
    case 'long':
      return (v) => {
        const n = typeof v === 'string' ? longFromText(v) : v;
        if (!isExactLong(n)) return false;
        if (typeof n === 'number') slab.long(n);
        else slab.bigLong(n);
        return true;
      };
    case 'float':
      return (v) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) return false;
        slab.float(v);
        return true;
      };
    case 'double':
      return (v) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) return false;
        slab.double(v);
        return true;
      };
    case 'boolean':
      return (v) => {
        if (typeof v !== 'boolean') return false;
        slab.byte(v ? 1 : 0);
        return true;
      };
    case 'null':
      return (v) => v === null;
    default: {
      const ref = named.get(name);
      if (!ref) throw new Unsupported(`unknown Avro type "${name}"`);
      return ref;
    }
  }
}
