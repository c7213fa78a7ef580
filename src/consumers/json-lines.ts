// Rows as one JSONCompactEachRow body: each row a JSON array in the order of a column list, one per
// line. Against JSONEachRow the body is a third smaller (no key per cell) and the engine parses it
// faster (no key lookup per cell). The body is written into a Buffer line by line rather than joined
// into one string: it lives outside the V8 heap and is handed to the engine without another copy.
// A bigint cell (an Int64 beyond 2^53) is written as its exact digits, which ClickHouse reads exactly.
import { parseExact, stringifyExact } from '../json/exact-json.js';
const MIN_CAPACITY = 64 * 1024;

export interface CompactLine {
  readonly text: string;
  /** the row's keys, in order; shared by every line of rows with the same keys */
  readonly columns: readonly string[];
}

/** Encodes rows one at a time; rows mapped with one schema share their keys, so their column list too. */
export class CompactLineEncoder {
  private columns: readonly string[] = [];

  encode(row: Record<string, unknown>): CompactLine {
    let i = 0;
    let same = true;
    for (const key in row) {
      if (this.columns[i++] !== key) {
        same = false;
        break;
      }
    }
    if (!same || i !== this.columns.length) this.columns = Object.keys(row);
    const columns = this.columns;
    const cells: unknown[] = new Array(columns.length);
    for (let c = 0; c < columns.length; c++) cells[c] = row[columns[c] as string] ?? null;
    return { text: stringifyExact(cells), columns };
  }
}

export interface CompactBody {
  /** every column of any line, in first-seen order; a line without one of them sends null (the column default) */
  readonly columns: readonly string[];
  readonly body: Buffer;
}

export function compactBody(lines: readonly CompactLine[]): CompactBody {
  const first = lines[0]?.columns ?? [];
  // Lines of one schema version share the column list; a chunk spanning versions is realigned here.
  const columns = lines.every((l) => l.columns === first) ? first : unionOf(lines);
  const fits = new Map<readonly string[], boolean>([[columns, true]]);
  let buffer = Buffer.allocUnsafe(MIN_CAPACITY);
  let length = 0;
  for (const line of lines) {
    let fit = fits.get(line.columns);
    if (fit === undefined) fits.set(line.columns, (fit = sameList(line.columns, columns)));
    const text = fit ? line.text : realign(line, columns);
    // UTF-8 needs at most 3 bytes per UTF-16 code unit, plus the newline.
    const worst = text.length * 3 + 1;
    if (length + worst > buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, length + worst));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    length += buffer.write(text, length, 'utf8');
    buffer[length++] = 0x0a;
  }
  return { columns, body: buffer.subarray(0, length) };
}

function unionOf(lines: readonly CompactLine[]): string[] {
  const seen = new Set<string>();
  for (const line of lines) for (const c of line.columns) seen.add(c);
  return [...seen];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function realign(line: CompactLine, columns: readonly string[]): string {
  const cells = parseExact(line.text) as unknown[];
  const at = new Map(line.columns.map((c, i) => [c, i]));
  return stringifyExact(columns.map((c) => (at.has(c) ? cells[at.get(c) as number] : null)));
}
