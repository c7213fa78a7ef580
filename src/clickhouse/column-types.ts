// ClickHouse column types as streamtap writes, reads back and widens them: the type as a value (ChType),
// its SQL text (renderType), the text system.columns shows read back into a value (parseType), and the
// type a column must widen to so that values of another type fit (widenColumn).
// https://clickhouse.com/docs/en/sql-reference/data-types
import { quoteIdentifier } from './quote.js';

export type ScalarName =
  'String' | 'Int32' | 'Int64' | 'UInt8' | 'UInt64' | 'Float32' | 'Float64' | 'Bool' | 'DateTime64';

/** A ClickHouse column type, as far as streamtap writes or widens it. */
export type ChType =
  | { readonly kind: 'scalar'; readonly name: ScalarName; readonly sql: string }
  | { readonly kind: 'nullable'; readonly inner: ChType }
  | { readonly kind: 'array'; readonly items: ChType }
  | { readonly kind: 'map'; readonly values: ChType }
  | { readonly kind: 'tuple'; readonly fields: readonly (readonly [string, ChType])[] }
  /** anything else (set by hand on the table): compatible only with itself */
  | { readonly kind: 'other'; readonly sql: string };

const DATETIME_SQL = "DateTime64(3, 'UTC')";

/** A scalar type; DateTime64 is always millisecond precision in UTC. */
export function scalar(name: ScalarName, sql: string = name === 'DateTime64' ? DATETIME_SQL : name): ChType {
  return { kind: 'scalar', name, sql };
}
export function renderType(t: ChType): string {
  switch (t.kind) {
    case 'scalar':
      return t.sql;
    case 'other':
      return t.sql;
    case 'nullable':
      return `Nullable(${renderType(t.inner)})`;
    case 'array':
      return `Array(${renderType(t.items)})`;
    case 'map':
      return `Map(String, ${renderType(t.values)})`;
    case 'tuple':
      return `Tuple(${t.fields.map(([name, type]) => `${tupleName(name)} ${renderType(type)}`).join(', ')})`;
  }
}

function tupleName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : quoteIdentifier(name);
}

// ---------------------------------------------------------------------------------------------
// ClickHouse type text → ChType (what system.columns says about an existing table)

export function parseType(sql: string): ChType {
  const parser = new TypeParser(sql);
  const type = parser.type();
  parser.end();
  return type;
}

class TypeParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  type(): ChType {
    const start = this.pos;
    const name = this.identifier();
    if (!this.peek('(')) return this.simple(name, this.text.slice(start, this.pos));
    this.expect('(');
    switch (name) {
      case 'Nullable': {
        const inner = this.type();
        this.expect(')');
        return { kind: 'nullable', inner };
      }
      case 'LowCardinality': {
        // A storage choice on the same values: compared as the inner type.
        const inner = this.type();
        this.expect(')');
        return inner;
      }
      case 'Array': {
        const items = this.type();
        this.expect(')');
        return { kind: 'array', items };
      }
      case 'Map': {
        const key = this.type();
        this.expect(',');
        const values = this.type();
        this.expect(')');
        return key.kind === 'scalar' && key.name === 'String'
          ? { kind: 'map', values }
          : { kind: 'other', sql: this.text.slice(start, this.pos) };
      }
      case 'Tuple': {
        const fields: [string, ChType][] = [];
        let named = true;
        do {
          this.space();
          const save = this.pos;
          const first = this.name();
          this.space();
          if (this.peek(',') || this.peek(')') || this.peek('(')) {
            this.pos = save;
            named = false;
            fields.push([String(fields.length + 1), this.type()]);
          } else fields.push([first, this.type()]);
        } while (this.accept(','));
        this.expect(')');
        return named ? { kind: 'tuple', fields } : { kind: 'other', sql: this.text.slice(start, this.pos) };
      }
      default: {
        this.skipArguments();
        const sql = this.text.slice(start, this.pos);
        return name === 'DateTime64' && /^DateTime64\(\s*3\s*,\s*'UTC'\s*\)$/.test(sql)
          ? scalar('DateTime64', DATETIME_SQL)
          : { kind: 'other', sql };
      }
    }
  }

  end(): void {
    this.space();
    if (this.pos !== this.text.length)
      throw new Error(`cannot read the ClickHouse type "${this.text}" past position ${this.pos}`);
  }

  private simple(name: string, sql: string): ChType {
    const known: readonly ScalarName[] = ['String', 'Int32', 'Int64', 'UInt8', 'UInt64', 'Float32', 'Float64', 'Bool'];
    return known.includes(name as ScalarName) ? scalar(name as ScalarName) : { kind: 'other', sql };
  }

  private skipArguments(): void {
    let depth = 1;
    while (this.pos < this.text.length && depth > 0) {
      const c = this.text[this.pos++];
      if (c === "'") while (this.pos < this.text.length && this.text[this.pos++] !== "'");
      else if (c === '(') depth++;
      else if (c === ')') depth--;
    }
  }

  private identifier(): string {
    this.space();
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (!match) throw new Error(`cannot read the ClickHouse type "${this.text}" at position ${this.pos}`);
    this.pos += match[0].length;
    return match[0];
  }

  private name(): string {
    if (this.text[this.pos] !== '`') return this.identifier();
    let out = '';
    this.pos++;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++];
      if (c === '`' && this.text[this.pos] === '`') {
        out += '`';
        this.pos++;
      } else if (c === '`') return out;
      else out += c;
    }
    throw new Error(`unterminated name in the ClickHouse type "${this.text}"`);
  }

  private space(): void {
    while (this.text[this.pos] === ' ') this.pos++;
  }

  private peek(c: string): boolean {
    this.space();
    return this.text[this.pos] === c;
  }

  private accept(c: string): boolean {
    if (!this.peek(c)) return false;
    this.pos++;
    return true;
  }

  private expect(c: string): void {
    if (!this.accept(c))
      throw new Error(`cannot read the ClickHouse type "${this.text}": expected "${c}" at position ${this.pos}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Widening a column so a (newer) schema's values fit

export type Widening =
  | {
      readonly type: ChType;
      readonly changed: boolean;
      /**
       * paths where the table keeps a type that cannot tell null from empty, although the schema's type
       * could (a Tuple or Array column created before streamtap kept them apart): the caller says so
       */
      readonly collapsed?: readonly string[];
    }
  | { readonly error: string };

const NUMERIC_RANK: Partial<Record<ScalarName, number>> = {
  UInt8: 1,
  Int32: 2,
  Int64: 3,
  UInt64: 3,
  Float32: 3,
  Float64: 4,
};

/**
 * The type a column must have to hold what it holds (`have`) and what a schema needs (`want`), or why
 * none exists. `changed`: the column must be altered (MODIFY COLUMN); otherwise the values convert on
 * the way in (a String column takes anything as text, a Float64 column takes integers).
 *
 * A column is made Nullable only where its old values keep their meaning: a scalar (its values were
 * never NULL). A Tuple column that the schema wants Nullable, or an Array/Map where the schema wants
 * a nullable list as JSON text, is left as it is and listed in `collapsed`: its old rows may hold a
 * null record as a tuple of NULLs, or a null list as [], and turning it Nullable now would make
 * `IS NULL` true for new rows only, silently (docs/schemas.md, "Tables created before").
 */
export function widenColumn(have: ChType, want: ChType, path: string): Widening {
  const hn = have.kind === 'nullable';
  const wn = want.kind === 'nullable';
  const h = hn ? have.inner : have;
  const w = wn ? want.inner : want;
  if (!hn && wn && (h.kind === 'array' || h.kind === 'map') && w.kind === 'scalar' && w.name === 'String') {
    return { type: have, changed: false, collapsed: [path] };
  }
  const inner = widenInner(h, w, path);
  if ('error' in inner) return inner;
  if (hn || (wn && (inner.type.kind === 'scalar' || inner.type.kind === 'other'))) {
    return { ...inner, type: { kind: 'nullable', inner: inner.type }, changed: inner.changed || !hn };
  }
  if (wn && inner.type.kind === 'tuple') return { ...inner, collapsed: [path, ...(inner.collapsed ?? [])] };
  return inner;
}

function widenInner(h: ChType, w: ChType, path: string): Widening {
  const same = renderType(h) === renderType(w);
  if (same) return { type: h, changed: false };
  if (h.kind === 'scalar' && h.name === 'String') return { type: h, changed: false };
  if (h.kind === 'scalar' && w.kind === 'scalar') {
    if (h.name === 'UInt64' && w.name === 'Int64') return { type: h, changed: false }; // _version
    const hr = NUMERIC_RANK[h.name];
    const wr = NUMERIC_RANK[w.name];
    if (hr !== undefined && wr !== undefined) {
      if (hr >= wr && !(h.name === 'Float32' && w.name === 'Int64')) return { type: h, changed: false };
      return {
        type: scalar(wr >= 3 && (h.name.startsWith('Float') || w.name.startsWith('Float')) ? 'Float64' : w.name),
        changed: true,
      };
    }
    return { type: scalar('String'), changed: true }; // e.g. Bool and Int64, DateTime64 and String: text holds both
  }
  if (h.kind === 'tuple' && w.kind === 'tuple') {
    const fields: [string, ChType][] = [];
    let changed = false;
    const collapsed: string[] = [];
    const wanted = new Map(w.fields);
    for (const [name, type] of h.fields) {
      const other = wanted.get(name);
      if (!other) {
        fields.push([name, type]);
        continue;
      }
      const r = widenColumn(type, other, `${path}.${name}`);
      if ('error' in r) return r;
      fields.push([name, r.type]);
      changed ||= r.changed;
      collapsed.push(...(r.collapsed ?? []));
    }
    for (const [name, type] of w.fields) {
      if (h.fields.some(([n]) => n === name)) continue;
      fields.push([name, type]);
      changed = true;
    }
    return { type: { kind: 'tuple', fields }, changed, ...(collapsed.length > 0 ? { collapsed } : {}) };
  }
  if (h.kind === 'array' && w.kind === 'array') {
    const r = widenColumn(h.items, w.items, `${path}[]`);
    return 'error' in r ? r : { ...r, type: { kind: 'array', items: r.type } };
  }
  if (h.kind === 'map' && w.kind === 'map') {
    const r = widenColumn(h.values, w.values, `${path}.*`);
    return 'error' in r ? r : { ...r, type: { kind: 'map', values: r.type } };
  }
  return {
    error: `${path}: the table has ${renderType(h)}, the schema needs ${renderType(w)}, and no ClickHouse type holds both`,
  };
}
