// How `streamtap sql` prints a result: the formats users pick with --format, and clickhouse-client's `\G`.
import { formatTable } from './commands.js';
import { QueryRefusedError } from '../observability/query-endpoint.js';
import { parseType, type ChType } from '../clickhouse/column-types.js';

/** Output formats of `streamtap sql`. `vertical` is ClickHouse's `Vertical`: one block per row, for wide tables. */
export const SQL_FORMATS = ['table', 'vertical', 'json', 'tsv'] as const;
export type SqlFormat = (typeof SQL_FORMATS)[number];

/**
 * A query ending in `\G` asks for the vertical format, as clickhouse-client accepts it (`SELECT * FROM t\G`).
 * Returns the query without the suffix, and `vertical` if it was there; a trailing `;` before or after
 * `\G` and surrounding whitespace are allowed. The query itself is not otherwise touched.
 */
export function splitVerticalSuffix(query: string): { query: string; vertical: boolean } {
  const m = /^([\s\S]*?)\s*;?\s*\\G\s*;?\s*$/.exec(query);
  return m ? { query: m[1] ?? '', vertical: true } : { query, vertical: false };
}

// ClickHouse format names a query may end with, and the output of ours that prints the same thing.
const CLICKHOUSE_FORMATS: Readonly<Record<string, SqlFormat>> = {
  vertical: 'vertical',
  pretty: 'table',
  prettycompact: 'table',
  prettycompactmonoblock: 'table',
  prettyspace: 'table',
  prettynoescapes: 'table',
  tsv: 'tsv',
  tabseparated: 'tsv',
  tsvwithnames: 'tsv',
  tabseparatedwithnames: 'tsv',
  jsoneachrow: 'json',
  jsonlines: 'json',
  ndjson: 'json',
};

/**
 * A query ending in `FORMAT <name>`, as users of clickhouse-client write it: streamtap prints results
 * itself, so the clause is taken off and its format becomes the output format (`Vertical` -> vertical,
 * `Pretty*` -> table, `TSV`/`TabSeparated[WithNames]` -> tsv, `JSONEachRow`/`JSONLines`/`NDJSON` -> json).
 * Returns `format` undefined when there is no such clause.
 * @throws QueryRefusedError for another format name, naming the ones streamtap prints.
 */
export function splitFormatClause(query: string): { query: string; format: SqlFormat | undefined } {
  const m = /^([\s\S]*?)\s+FORMAT\s+([A-Za-z]\w*)\s*;?\s*$/i.exec(query);
  if (!m) return { query, format: undefined };
  const name = m[2] as string;
  const format = CLICKHOUSE_FORMATS[name.toLowerCase()];
  if (!format) {
    throw new QueryRefusedError(
      `streamtap sql prints results itself and cannot print FORMAT ${name}; ` +
        `drop the FORMAT clause and use --format ${SQL_FORMATS.join('|')} (or end the query with \\G for vertical)`,
    );
  }
  return { query: m[1] as string, format };
}

/**
 * One `Row N:` block per row (N from 1), a rule under it, then one `name: value` line per column with the
 * values aligned after the longest name, blocks separated by an empty line: the layout of ClickHouse's
 * `Vertical` format. A value spanning several lines continues at the value column.
 */
export function formatVertical(names: readonly string[], rows: readonly (readonly string[])[]): string {
  const width = Math.max(0, ...names.map((n) => n.length)) + 2;
  return rows
    .map((row, r) => {
      const title = `Row ${r + 1}:`;
      const lines = names.map((name, i) =>
        `${`${name}:`.padEnd(width)}${(row[i] ?? '').split('\n').join(`\n${' '.repeat(width)}`)}`.trimEnd(),
      );
      return [title, '─'.repeat(title.length), ...lines].join('\n');
    })
    .join('\n\n');
}

// Integer and decimal types that ClickHouse hands over as exact text (see runQuery).
const EXACT_NUMBER_SQL = /^(?:U?Int(?:64|128|256)|Decimal(?:32|64|128|256)?\b)/;
const NUMBER_TEXT = /^-?\d+(?:\.\d+)?$/;

/**
 * `value` as JSON text, walking its ClickHouse type: a 64-bit or wider integer or a decimal, at any depth
 * (inside Nullable, Array, Map, Tuple), is a bare JSON number with the exact digits ClickHouse sent, as
 * ClickHouse's own JSON formats write it without quoting, never through a JS number. A named tuple comes
 * as an object (ClickHouse's `output_format_json_named_tuples_as_objects`, on by default). An unnamed
 * tuple's members (streamtap's tables have none) stay quoted strings: exact, as ClickHouse sent them.
 */
function exactJson(value: unknown, type: ChType | undefined): string {
  if (value === null || value === undefined || type === undefined) return JSON.stringify(value ?? null);
  switch (type.kind) {
    case 'nullable':
      return exactJson(value, type.inner);
    case 'array':
      return Array.isArray(value) ? `[${value.map((v) => exactJson(v, type.items)).join(',')}]` : JSON.stringify(value);
    case 'map':
      return typeof value === 'object' && !Array.isArray(value)
        ? `{${Object.entries(value)
            .map(([k, v]) => `${JSON.stringify(k)}:${exactJson(v, type.values)}`)
            .join(',')}}`
        : JSON.stringify(value);
    case 'tuple':
      if (Array.isArray(value)) return `[${value.map((v, i) => exactJson(v, type.fields[i]?.[1])).join(',')}]`;
      if (typeof value !== 'object') return JSON.stringify(value);
      return `{${Object.entries(value)
        .map(([k, v]) => `${JSON.stringify(k)}:${exactJson(v, type.fields.find(([name]) => name === k)?.[1])}`)
        .join(',')}}`;
    case 'scalar':
    case 'other':
      return typeof value === 'string' && NUMBER_TEXT.test(value) && EXACT_NUMBER_SQL.test(type.sql)
        ? value
        : JSON.stringify(value);
  }
}

/** The column's type as a value, or undefined when streamtap cannot read it (then values print as JSON). */
function columnType(sql: string | undefined): ChType | undefined {
  if (sql === undefined) return undefined;
  try {
    return parseType(sql);
  } catch {
    return undefined;
  }
}

/** One JSON object per row, wide integers and decimals exact at any depth (exactJson). */
function jsonLine(names: readonly string[], row: readonly unknown[], types: readonly (ChType | undefined)[]): string {
  return `{${names.map((name, i) => `${JSON.stringify(name)}:${exactJson(row[i], types[i])}`).join(',')}}`;
}

/**
 * The text `streamtap sql` prints for a result in `format`; strings print as they are, other values as JSON.
 * `types` (ClickHouse column types) let `json` print wide integers and decimals as exact numbers, at any depth.
 */
export function formatSqlResult(
  names: readonly string[],
  rows: readonly (readonly unknown[])[],
  format: SqlFormat,
  types: readonly string[] = [],
): string {
  const cell = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  switch (format) {
    case 'json': {
      const parsed = names.map((_, i) => columnType(types[i]));
      return rows.map((r) => jsonLine(names, r, parsed)).join('\n');
    }
    case 'tsv':
      return [names, ...rows].map((r) => r.map(cell).join('\t')).join('\n');
    case 'vertical':
      return formatVertical(
        names,
        rows.map((r) => r.map(cell)),
      );
    case 'table':
      return formatTable(
        names,
        rows.map((r) => r.map(cell)),
      );
  }
}
