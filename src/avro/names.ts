// How an API field name becomes an Avro field name and a ClickHouse column: dlt's `snake_case` naming
// convention (dlt/common/normalizers/naming/snake_case.py, the rule dlt users know), then a check that
// the result is an Avro name, then a deterministic suffix when two names of one record land on the same
// result. The API's own name is kept on the field as `"streamtap.source_name"` (Avro `aliases` must be
// Avro names themselves, so they cannot hold `first-name`), which is how producers find the value in an
// API record and how subscribers recover the original name. Rules and examples: docs/schemas.md.

import { ErrorCode, StreamtapError } from '../errors.js';

/** The field attribute that holds the API's name when it differs from the Avro name. */
export const SOURCE_NAME = 'streamtap.source_name';

const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// dlt's `sql_cs_v1` patterns, which `snake_case` reuses. Python's `\d` is any Unicode decimal digit,
// hence `\p{Nd}`: a name such as `١٢` keeps its digits there, which no Avro name may hold (see below).
const NON_ALPHANUMERIC = /[^a-zA-Z\p{Nd}_]+/gu;
const LEADING_DIGITS = /^\p{Nd}/u;
const UNDERSCORES = /__+/g;
const SNAKE_BREAK_1 = /([^_])([A-Z][a-z]+)/g;
const SNAKE_BREAK_2 = /([a-z0-9])([A-Z])/g;
const REDUCE_ALPHABET: Readonly<Record<string, string>> = { '+': 'x', '-': '_', '*': 'x', '@': 'a', '|': 'l' };

/** A field name that dlt's rule cannot turn into an Avro name; `schema infer` and `produce` stop on it. */
export class UnmappableNameError extends StreamtapError {
  readonly code = ErrorCode.UNMAPPABLE_NAME;
}

/**
 * dlt's `snake_case` normalisation of one identifier, without shortening (dlt shortens only for a
 * destination with a length limit; ClickHouse has none that matters here):
 * trim; `+ - * @ |` → `x _ x a l`; every run of other characters that are not ASCII letters, digits or
 * `_` → `_`; camelCase breaks into snake_case, lower case; a leading digit gets a `_` before it; each
 * trailing `_` becomes `x`; runs of `_` become one. `first-name` → `first_name`, `1st_login` →
 * `_1st_login`, `geo.lat` → `geo_lat`, `createdAt` → `created_at`, `名前` → `x`.
 * Throws UnmappableNameError for a blank name (dlt's ValueError).
 */
export function snakeCase(identifier: string): string {
  const trimmed = identifier.trim();
  if (trimmed === '') throw new UnmappableNameError(`the field name ${JSON.stringify(identifier)} is blank`);
  let name = trimmed
    .replace(/[+\-*@|]/g, (c) => REDUCE_ALPHABET[c] as string)
    .replace(NON_ALPHANUMERIC, '_')
    .replace(SNAKE_BREAK_1, '$1_$2')
    .replace(SNAKE_BREAK_2, '$1_$2')
    .toLowerCase();
  if (LEADING_DIGITS.test(name)) name = `_${name}`;
  const stripped = name.replace(/_+$/, '');
  name = stripped + 'x'.repeat(name.length - stripped.length);
  return name.replace(UNDERSCORES, '_');
}

/**
 * The Avro name for an API field name: `snakeCase`, which must give an Avro name
 * (`[A-Za-z_][A-Za-z0-9_]*`). Throws UnmappableNameError naming the field and the reason otherwise
 * (a blank name, or digits other than 0-9, which dlt keeps and Avro refuses).
 */
export function avroFieldName(sourceName: string): string {
  const name = snakeCase(sourceName);
  if (!AVRO_NAME.test(name))
    throw new UnmappableNameError(
      `the field name ${JSON.stringify(sourceName)} has no Avro name: dlt's snake_case rule gives ${JSON.stringify(name)}, ` +
        'and an Avro name holds only A-Z, a-z, 0-9 and _',
    );
  return name;
}

/** Whether `avroFieldName` accepts the name (without building the message). */
export function isMappableName(sourceName: string): boolean {
  try {
    avroFieldName(sourceName);
    return true;
  } catch {
    return false;
  }
}

/**
 * Avro names for the new fields of one record, given the names its existing fields already hold.
 * Collisions resolve by the set of names alone, never by their order in the samples: among the source
 * names that give the same Avro name, the one already spelled that way comes first, then the others
 * by code unit order; the first takes the name (when free), each next one `<name>_2`, `<name>_3`, …
 * (the smallest suffix free among existing names and this record's own names).
 * Throws UnmappableNameError for the first name that cannot be mapped.
 */
export function assignFieldNames(sourceNames: Iterable<string>, taken: ReadonlySet<string>): Map<string, string> {
  const sources = [...new Set(sourceNames)];
  const base = new Map(sources.map((s) => [s, avroFieldName(s)]));
  const ordered = sources.sort((a, b) => {
    const exactA = base.get(a) === a ? 0 : 1;
    const exactB = base.get(b) === b ? 0 : 1;
    return exactA - exactB || (a < b ? -1 : a > b ? 1 : 0);
  });
  const used = new Set(taken);
  const out = new Map<string, string>();
  const later: string[] = [];
  for (const source of ordered) {
    const name = base.get(source) as string;
    if (used.has(name)) later.push(source);
    else {
      used.add(name);
      out.set(source, name);
    }
  }
  const wanted = new Set(base.values());
  for (const source of later) {
    const name = base.get(source) as string;
    let k = 2;
    while (used.has(`${name}_${k}`) || wanted.has(`${name}_${k}`)) k++;
    used.add(`${name}_${k}`);
    out.set(source, `${name}_${k}`);
  }
  return out;
}

interface NamedField {
  readonly name: string;
  readonly [key: string]: unknown;
}

/** The name an API record carries a field under: its `streamtap.source_name`, else the field's own name. */
export function sourceName(field: NamedField): string {
  const source = field[SOURCE_NAME];
  return typeof source === 'string' ? source : field.name;
}

export class PrimaryKeyFieldError extends StreamtapError {
  readonly code = ErrorCode.PRIMARY_KEY_FIELD;
}

/**
 * The Avro field (= ClickHouse column) names of a config's `primary_key`, in order. A key names the API
 * field, as everywhere in the config, so it is found by the field's source name (`member-id` →
 * `member_id`; a field without `streamtap.source_name` is its own source name). Throws
 * PrimaryKeyFieldError naming the key and the file when the schema has no such field, so a producer or
 * consumer stops at start instead of failing on the first record.
 */
export function primaryKeyFields(
  schema: { readonly fields: readonly NamedField[] },
  primaryKey: readonly string[],
  file: string,
): string[] {
  return primaryKey.map((key) => {
    const field = schema.fields.find((f) => sourceName(f) === key);
    if (!field)
      throw new PrimaryKeyFieldError(
        `primary key ${JSON.stringify(key)} is not a field of ${file}` +
          (isMappableName(key) ? ` (its Avro name would be ${avroFieldName(key)})` : '') +
          `; run \`streamtap schema infer\` on samples that carry it, or add the field by hand`,
      );
    return field.name;
  });
}
