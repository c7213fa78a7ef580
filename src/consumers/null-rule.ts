// The null rule: how a field that may be null (Avro `["null", T]`) becomes ClickHouse, so that a null
// object, an object whose fields are all null, a null list and an empty list stay four different things
// (docs/schemas.md, "Nulls and emptiness"). ClickHouse (26.7) can make a scalar or a tuple Nullable, but
// never an Array or a Map, and its Avro reader turns a null array into [] whatever the column type
// (Variant(Array) and Dynamic are refused), so a null list needs a marker beside it.
import { scalar, type ChType } from '../clickhouse/column-types.js';

/** Where a value sits: a field of a record (a column, or a named tuple element), or an array item / map value. */
export type Holder = 'field' | 'item';

/** What a `["null", T]` becomes: its type, and whether a null marker must sit beside it. */
export interface NullableShape {
  readonly type: ChType;
  /** a `<name>__null` Nullable(Bool) sibling (nullMarkerName) says whether the list or map was null */
  readonly marker: boolean;
}

/**
 * The one null rule. `inner` is T's ClickHouse type (for the non-null branch); `nullable` says whether the
 * Avro type admits null; `holder` where the value sits; `isKey`: a primary key column, never Nullable.
 *
 * - a scalar T → `Nullable(T)`: NULL or a value;
 * - a record → `Nullable(Tuple(...))`: NULL, or a tuple (whose elements may all be NULL). Needs
 *   `enable_nullable_tuple_type = 1` when the column is created or altered (ddlSettings), ClickHouse ≥ 26.6;
 * - an array or map held by a record field → `Array(T)` / `Map(String, T)` plus the marker
 *   `<name>__null Nullable(Bool)`: true for a null list, false for a list (empty or not), NULL when the row
 *   was written before the table had the marker (unknown);
 * - an array or map that is an array item or a map value (no record to hold a marker) → `Nullable(String)`,
 *   the list as JSON text, so null and `[]` still differ.
 *
 * A non-nullable T keeps its type. A key column is never Nullable (its records always carry it).
 */
export function nullableShape(inner: ChType, nullable: boolean, holder: Holder, isKey: boolean): NullableShape {
  if (!nullable || isKey) return { type: inner, marker: false };
  switch (inner.kind) {
    case 'scalar':
    case 'other':
    case 'tuple':
      return { type: { kind: 'nullable', inner }, marker: false };
    case 'array':
    case 'map':
      return holder === 'field'
        ? { type: inner, marker: true }
        : { type: { kind: 'nullable', inner: scalar('String') }, marker: false };
    case 'nullable':
      return { type: inner, marker: false };
  }
}

/**
 * The marker column (or tuple element) of a nullable list or map field: `durations` → `durations__null`.
 * dlt's snake_case names (src/avro/names.ts) never hold `__`, so it cannot meet an API field's name; a
 * hand-written schema that has such a field anyway is refused (tableSpec).
 */
export function nullMarkerName(field: string): string {
  return `${field}__null`;
}

/** The marker's type: three states, true (null), false (not null), NULL (not recorded). */
export const NULL_MARKER_TYPE: ChType = Object.freeze({ kind: 'nullable', inner: scalar('Bool') }) as ChType;
