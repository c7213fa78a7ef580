// How one field of a writer schema reaches its column on the byte path: the type the engine's Avro reader
// reads it as, and the SQL over that value which gives the column's value, null markers included, at any
// depth (a top-level column, a tuple element, a tuple inside an array or a map).
//
// ClickHouse's Avro reader (26.7) reads the null branch of ["null", array] (or map) as [] whatever the
// column type, and refuses Variant or Dynamic for it, so a null list and an empty one would look alike.
// A union of three branches ["null", array, "boolean"] it reads as Variant(Array(T), Bool), NULL for the
// null branch, and that holds inside records and arrays too. The message bodies only ever use branches 0
// and 1, whose encoding is the same in both unions, so the container's header declares the three-branch
// union wherever a list has a marker beside it (the `widen` set below), the engine reads that Variant,
// and the insert's SELECT rebuilds the column's own shape from it:
//   a marked list:   its Array/Map from the Variant (`[]`/`{}` for NULL), and `isNull(…)` into the marker;
//   a tuple:         CAST(tuple(<each element's SQL>, <markers>), '<the column's tuple type>');
//   a nullable one:  if(isNull(e), NULL, <the tuple's SQL over assumeNotNull(e)>);
//   an array / map:  arrayMap / mapApply of the item's SQL.
// A part with no marker anywhere inside is read as the column's own type and selected as it is, so the
// engine does per-row work only where a marker has to be computed.
// Leaves (scalars, enums, timestamps) must map natively (`native` in byte-lane.ts): the rest keeps the
// decoding path, with the reason returned here.
import { renderType, type ChType } from '../clickhouse/column-types.js';
import { quoteIdentifier, sqlString } from '../clickhouse/quote.js';
import { nullMarkerName } from './null-rule.js';

type AvroObject = { readonly [key: string]: unknown };

/** How a value is read and selected; `direct` when it is read as the target type and selected as it is. */
export interface ReadPlan {
  /** the type the engine reads the value as (SQL), in the container's `file(…, 'Avro', structure)` */
  readonly read: string;
  /** SQL giving the target's value from the read value `value` (itself SQL) */
  readonly select: (value: string) => string;
  readonly direct: boolean;
  /** SQL of the marker beside a list (`isNull` of the read Variant), when the target has one */
  readonly marker?: ((value: string) => string) | undefined;
}

export type ReadPlanOr = ReadPlan | { readonly reason: string };

/** What a plan needs around it: named types, the leaf rule, and the unions the header widens. */
export interface ReadContext {
  readonly named: ReadonlyMap<string, AvroObject>;
  /** true when values of Avro `type` (not a union, record, array or map) fill `ch` as the decoding path does */
  readonly leaf: (type: unknown, ch: ChType) => boolean;
  /** the writer schema's `["null", list]` unions that the container header declares with a third branch */
  readonly widen: Set<readonly unknown[]>;
}

/**
 * The plan for a record field of Avro `type` into a column (or tuple element) of type `target`;
 * `marked`: the target has the `<name>__null` marker beside it (null-rule.ts).
 */
export function fieldPlan(type: unknown, target: ChType, marked: boolean, ctx: ReadContext, depth = 0): ReadPlanOr {
  if (!marked) return valuePlan(type, target, ctx, depth);
  if (!Array.isArray(type)) {
    // The table has a marker, this writer's list is never null: the decoding path writes false.
    const plan = valuePlan(type, target, ctx, depth);
    return 'reason' in plan ? plan : { ...plan, marker: () => 'false' };
  }
  const list = nullableBranch(type);
  if (list === undefined) return { reason: `a union other than ["null", T] in ${renderType(target)}` };
  const inner = valuePlan(list, target, ctx, depth);
  if ('reason' in inner) return inner;
  ctx.widen.add(type);
  // Variant's own name lists its types sorted by name; its element (`variantElement`) is named by the
  // inner type as the engine prints it, which the read type is written as (renderType's spelling).
  const variant = `Variant(${[inner.read, 'Bool'].sort().join(', ')})`;
  return {
    read: variant,
    select: (value) => inner.select(`variantElement(${value}, ${sqlString(inner.read)})`),
    direct: false,
    marker: (value) => `isNull(${value})`,
  };
}

/** The plan for a value of Avro `type` (no marker beside it) into `target`. */
function valuePlan(type: unknown, target: ChType, ctx: ReadContext, depth: number): ReadPlanOr {
  const rendered = renderType(target);
  const direct: ReadPlan = { read: rendered, select: (v) => v, direct: true };
  if (Array.isArray(type)) {
    const inner = nullableBranch(type);
    if (inner === undefined) return { reason: `a union other than ["null", T] in ${rendered}` };
    if (target.kind !== 'nullable') {
      // A column created before the null rule: the engine reads a null record, list or map as its
      // defaults, as the decoding path's null does there, as long as nothing inside needs computing.
      if (target.kind !== 'tuple' && target.kind !== 'array' && target.kind !== 'map')
        return { reason: `a nullable value in the non-Nullable ${rendered}` };
      const plan = valuePlan(inner, target, ctx, depth);
      if ('reason' in plan || plan.direct) return plan;
      return { reason: `a null marker inside the non-Nullable ${rendered} (a column created before the null rule)` };
    }
    const plan = valuePlan(inner, target.inner, ctx, depth);
    if ('reason' in plan || plan.direct) return 'reason' in plan ? plan : direct;
    return {
      read: `Nullable(${plan.read})`,
      select: (v) => `CAST(if(isNull(${v}), NULL, ${plan.select(`assumeNotNull(${v})`)}), ${sqlString(rendered)})`,
      direct: false,
    };
  }
  const t = typeof type === 'string' ? (ctx.named.get(type) ?? type) : type;
  const o = typeof t === 'object' && t !== null ? (t as AvroObject) : undefined;
  if (o?.type === 'record' && target.kind === 'tuple') return tuplePlan(o, target, ctx, depth);
  if (o?.type === 'array' && o.logicalType === undefined && target.kind === 'array') {
    const items = valuePlan(o.items, target.items, ctx, depth + 1);
    if ('reason' in items || items.direct) return 'reason' in items ? items : direct;
    const x = `x${depth}`;
    return { read: `Array(${items.read})`, select: (v) => `arrayMap(${x} -> ${items.select(x)}, ${v})`, direct: false };
  }
  if (o?.type === 'map' && o.logicalType === undefined && target.kind === 'map') {
    const values = valuePlan(o.values, target.values, ctx, depth + 1);
    if ('reason' in values || values.direct) return 'reason' in values ? values : direct;
    const [k, x] = [`k${depth}`, `x${depth}`];
    return {
      read: `Map(String, ${values.read})`,
      select: (v) => `mapApply((${k}, ${x}) -> (${k}, ${values.select(x)}), ${v})`,
      direct: false,
    };
  }
  return ctx.leaf(type, target) ? direct : { reason: `the decoding path converts its values into ${rendered}` };
}

/**
 * A record into a tuple of the same elements in the same order, each field's marker (if any) right after
 * it, as the null rule lays them out (table-schema.ts).
 */
function tuplePlan(
  record: AvroObject,
  target: ChType & { kind: 'tuple' },
  ctx: ReadContext,
  depth: number,
): ReadPlanOr {
  const fields = (record.fields ?? []) as readonly AvroObject[];
  const elements = target.fields;
  const read: string[] = [];
  const selects: ((v: string) => string)[] = [];
  let direct = true;
  let i = 0;
  for (const f of fields) {
    const name = String(f.name);
    const [element, type] = elements[i] ?? [];
    if (element !== name || !type)
      return { reason: `${renderType(target)} has no element ${name} where the record has it` };
    const marked = elements[i + 1]?.[0] === nullMarkerName(name);
    i += marked ? 2 : 1;
    const plan = fieldPlan(f.type, type, marked, ctx, depth);
    if ('reason' in plan) return { reason: `${name}: ${plan.reason}` };
    const get = (v: string) => `tupleElement(${v}, ${sqlString(name)})`;
    read.push(`${tupleElementName(name)} ${plan.read}`);
    selects.push((v) => plan.select(get(v)));
    if (plan.marker) {
      const marker = plan.marker;
      selects.push((v) => marker(get(v)));
    }
    direct &&= plan.direct && !plan.marker;
  }
  if (i !== elements.length || fields.length === 0)
    return { reason: `${renderType(target)} has elements the record lacks` };
  const rendered = renderType(target);
  if (direct) return { read: rendered, select: (v) => v, direct: true };
  return {
    read: `Tuple(${read.join(', ')})`,
    select: (v) => `CAST(tuple(${selects.map((s) => s(v)).join(', ')}), ${sqlString(rendered)})`,
    direct: false,
  };
}

/** T of `["null", T]` (either order), or undefined for any other union. */
function nullableBranch(union: readonly unknown[]): unknown {
  const branches = union.filter((b) => b !== 'null');
  return union.length === 2 && branches.length === 1 ? branches[0] : undefined;
}

/** A tuple element's name as renderType writes it (quoted only when it is not a plain identifier). */
function tupleElementName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : quoteIdentifier(name);
}
