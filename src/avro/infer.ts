// Infers an Avro record schema from sample records. Every field is nullable with a null default
// (so adding a field later is compatible both ways) except the primary key; on conflicting samples
// the type widens (long → double, anything else → string) instead of failing.
import { ENVELOPE_FIELDS } from './envelope.js';

type Avro = unknown;

interface Shape {
  kinds: Set<'null' | 'string' | 'timestamp' | 'long' | 'double' | 'boolean' | 'object' | 'array'>;
  /** object fields (present in at least one sample) */
  fields: Map<string, Shape>;
  /** how many object samples carried each field, to tell records from maps */
  objectSamples: number;
  keySamples: number;
  items: Shape | undefined;
}

const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function emptyShape(): Shape {
  return { kinds: new Set(), fields: new Map(), objectSamples: 0, keySamples: 0, items: undefined };
}

function observe(shape: Shape, value: unknown): void {
  if (value === null || value === undefined) shape.kinds.add('null');
  else if (typeof value === 'string') shape.kinds.add(ISO_DATETIME.test(value) ? 'timestamp' : 'string');
  else if (typeof value === 'number') shape.kinds.add(Number.isSafeInteger(value) ? 'long' : 'double');
  else if (typeof value === 'boolean') shape.kinds.add('boolean');
  else if (Array.isArray(value)) {
    shape.kinds.add('array');
    shape.items ??= emptyShape();
    for (const item of value) observe(shape.items, item);
  } else if (typeof value === 'object') {
    shape.kinds.add('object');
    shape.objectSamples++;
    for (const [key, child] of Object.entries(value)) {
      // A key that is not a valid Avro name stays out of the schema; records keep it in _extra.
      if (!AVRO_NAME.test(key)) continue;
      shape.keySamples++;
      let field = shape.fields.get(key);
      if (!field) shape.fields.set(key, (field = emptyShape()));
      observe(field, child);
    }
  }
}

export interface InferOptions {
  readonly name: string;
  readonly namespace: string;
  readonly primaryKey: readonly string[];
  readonly doc?: string;
}

export function inferSchema(samples: readonly unknown[], options: InferOptions): Record<string, unknown> {
  const root = emptyShape();
  for (const s of samples) observe(root, s);
  const names = new Set<string>();
  const fields = [...root.fields.entries()]
    .filter(([name]) => !ENVELOPE_FIELDS.some((f) => f.name === name))
    .map(([name, shape]) => {
      const type = toAvro(shape, [pascal(options.name), pascal(name)], names);
      if (options.primaryKey.includes(name)) return { name, type: stripNull(type) };
      return { name, type: nullable(type), default: null };
    });
  return {
    type: 'record',
    name: pascal(options.name),
    namespace: options.namespace,
    ...(options.doc ? { doc: options.doc } : {}),
    fields: [...fields, ...ENVELOPE_FIELDS],
  };
}

function toAvro(shape: Shape, path: readonly string[], names: Set<string>): Avro {
  const kinds = new Set(shape.kinds);
  kinds.delete('null');
  if (kinds.size === 0) return 'string'; // only nulls seen: the least committal type
  if (kinds.size === 2 && kinds.has('long') && kinds.has('double')) return 'double';
  if (kinds.size === 2 && kinds.has('string') && kinds.has('timestamp')) return 'string';
  if (kinds.size > 1) return 'string';
  const [kind] = kinds;
  switch (kind) {
    case 'string':
    case 'long':
    case 'double':
    case 'boolean':
      return kind;
    case 'timestamp':
      return { type: 'long', logicalType: 'timestamp-millis' };
    case 'array':
      return { type: 'array', items: shape.items ? stripNull(toAvro(shape.items, [...path, 'Item'], names)) : 'string' };
    case 'object':
      return objectType(shape, path, names);
  }
  return 'string';
}

function objectType(shape: Shape, path: readonly string[], names: Set<string>): Avro {
  const avgKeys = shape.keySamples / Math.max(1, shape.objectSamples);
  const values = [...shape.fields.values()];
  const sameScalar = values.every((v) => v.kinds.size === 1 && (v.kinds.has('string') || v.kinds.has('long') || v.kinds.has('double') || v.kinds.has('boolean')));
  // Free-form objects (custom metadata) have many distinct keys and few per sample: a map, not a record.
  if (values.length > 0 && sameScalar && shape.fields.size > 2 * avgKeys && shape.objectSamples > 1) {
    const kinds = new Set(values.flatMap((v) => [...v.kinds]));
    return { type: 'map', values: kinds.size === 1 ? [...kinds][0] : 'string' };
  }
  if (values.length === 0) return { type: 'map', values: 'string' };
  let name = path.join('_');
  for (let i = 2; names.has(name); i++) name = `${path.join('_')}${i}`;
  names.add(name);
  return {
    type: 'record',
    name,
    fields: [...shape.fields.entries()].map(([field, child]) => ({
      name: field,
      type: nullable(toAvro(child, [...path, pascal(field)], names)),
      default: null,
    })),
  };
}

function nullable(type: Avro): Avro {
  return Array.isArray(type) ? type : ['null', type];
}

function stripNull(type: Avro): Avro {
  return Array.isArray(type) ? (type.find((t) => t !== 'null') as Avro) : type;
}

function pascal(text: string): string {
  return text.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '') || 'Field';
}
