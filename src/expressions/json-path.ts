// JSONPath for data selectors, cursor paths and the other paths of a config. The grammar is RFC 9535, parsed and
// evaluated by json-p3 (a maintained implementation); dlt's own spelling (jsonpath-ng) is read first: a path
// may leave out `$`, quote a name in dotted form (`'col.a'`, `"$col_a"`, `'col|a'`), use names RFC shorthand
// does not allow (`many-results`, `@odata`), and join alternatives with `|`. A path that names one value (names
// and non-negative indexes only) compiles to its segments and is read without the library, so the per-record
// reads of the hot path cost what a property lookup costs; wildcards, filters, slices and unions are evaluated
// by json-p3 (data selectors only). A leaf: config/ validates paths with it at load time, rest/ reads bodies.
import { jsonpath, JSONPathError, type JSONPathQuery, type JSONValue } from 'json-p3';
import { ErrorCode, StreamtapError } from '../errors.js';

export type PathSegment = string | number;

/** A path as a dlt config writes it: JSONPath text, or the segments already split (`['data', 0]`). */
export type PathExpression = string | readonly PathSegment[];

export class JsonPathSyntaxError extends StreamtapError {
  readonly code = ErrorCode.JSON_PATH_INVALID;
}

export const MISSING: unique symbol = Symbol('missing');

/** A compiled data selector: its segments when it names one value, else the queries json-p3 evaluates. */
export interface Selector {
  /** the path as the config wrote it (or as formatSegments prints segments) */
  readonly text: string;
  /** set when the path names one value: read with readPath */
  readonly segments: readonly PathSegment[] | undefined;
  /**
   * The selected value: for a one-value path the value or MISSING; for a path that may match many (wildcard,
   * filter, slice, union) the list of matches, or the one match itself when there is exactly one (as dlt's
   * extract_response unpacks it).
   */
  select(value: unknown): unknown;
}

/**
 * A path that names one value, as segments (`data.items` → `['data', 'items']`).
 * @throws JsonPathSyntaxError when the path does not parse, or may select several values (only data_selector
 *   takes such a path: see compileSelector)
 */
export function compilePath(path: PathExpression): readonly PathSegment[] {
  if (typeof path !== 'string') return path;
  const selector = compileSelector(path);
  if (!selector.segments)
    throw new JsonPathSyntaxError(
      `path "${path.trim()}" may select several values (a wildcard, filter, slice or |); name one value here (only data_selector takes such a path)`,
    );
  return selector.segments;
}

const cache = new Map<string, Selector>();

/**
 * A data selector, compiled once (and cached by text).
 * @throws JsonPathSyntaxError naming the path and the position json-p3 reports
 */
export function compileSelector(path: PathExpression): Selector {
  if (typeof path !== 'string') return selectorOf(path);
  const text = path.trim();
  const cached = cache.get(text);
  if (cached) return cached;
  const queries = splitUnion(text).map((alternative) => {
    const rfc = toRfc9535(alternative, text);
    try {
      return jsonpath.compile(rfc);
    } catch (error) {
      if (!(error instanceof JSONPathError)) throw error;
      throw new JsonPathSyntaxError(`path "${text}" is not valid JSONPath: ${error.message}`);
    }
  });
  const only = queries.length === 1 ? singularSegments(queries[0] as JSONPathQuery) : undefined;
  const selector: Selector = only
    ? { ...selectorOf(only), text }
    : {
        text,
        segments: undefined,
        select: (value) => {
          const found = queries.flatMap((q) => q.query(value as JSONValue).values());
          return found.length === 1 ? found[0] : found;
        },
      };
  if (cache.size > 1000) cache.clear();
  cache.set(text, selector);
  return selector;
}

/** A selector over segments already split (a detected records path, a config's list form). */
export function selectorOf(segments: readonly PathSegment[]): Selector {
  return { text: formatSegments(segments), segments, select: (value) => readPath(value, segments) };
}

/** The segments of a query made of single name or non-negative index selectors, else undefined. */
function singularSegments(query: JSONPathQuery): PathSegment[] | undefined {
  const out: PathSegment[] = [];
  for (const segment of query.segments) {
    // json-p3 exports only the base classes: a descendant segment prints as `..[...]`, a name selector has a
    // string `name`, an index selector a number `index`; wildcards, slices and filters have neither.
    if (segment.toString().startsWith('..') || segment.selectors.length !== 1) return undefined;
    const selector = segment.selectors[0] as { name?: unknown; index?: unknown };
    if (typeof selector.name === 'string') out.push(selector.name);
    else if (typeof selector.index === 'number' && selector.index >= 0) out.push(selector.index);
    else return undefined;
  }
  return out;
}

/** Top-level `|` (jsonpath-ng's union), outside quotes and brackets. */
function splitUnion(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '[' || ch === '(') depth++;
    else if (ch === ']' || ch === ')') depth--;
    else if (ch === '|' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

const SHORTHAND = /^[A-Za-z_\u0080-\uFFFF][A-Za-z0-9_\u0080-\uFFFF]*$/;

/**
 * dlt's spelling to RFC 9535: `$` added when left out; a dotted name that is quoted, or that RFC shorthand does not
 * allow (`many-results`, `@odata`, `$col`), becomes a bracketed name; brackets, wildcards and `..` pass through.
 */
function toRfc9535(text: string, whole: string): string {
  let out = '$';
  let i = 0;
  // `$` is the root only when a segment follows or nothing does; `$col_a` is a name.
  if (text.startsWith('$') && (text.length === 1 || text[1] === '.' || text[1] === '[')) i = 1;
  // a name may come now: at the start of a relative path, or after `.` / `..`
  let nameAllowed = i === 0;
  let descendant = false;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '.') {
      descendant = text[i + 1] === '.';
      if (descendant) out += '..';
      i += descendant ? 2 : 1;
      nameAllowed = true;
      continue;
    }
    if (ch === '[') {
      const close = closingBracket(text, i, whole);
      out += text.slice(i, close + 1);
      i = close + 1;
    } else if (ch === "'" || ch === '"') {
      if (!nameAllowed) throw new JsonPathSyntaxError(`missing "." before a quoted name in path "${whole}"`);
      const end = closingQuote(text, i, whole);
      out += `[${JSON.stringify(text.slice(i + 1, end).replace(/\\(.)/g, '$1'))}]`;
      i = end + 1;
    } else {
      const match = /^[^.[\]'"]+/.exec(text.slice(i));
      if (!match) throw new JsonPathSyntaxError(`unexpected "${ch}" in path "${whole}"`);
      const name = match[0].trim();
      if (!nameAllowed) throw new JsonPathSyntaxError(`missing "." before "${name}" in path "${whole}"`);
      if (name === '*' || SHORTHAND.test(name)) out += descendant ? name : `.${name}`;
      else out += `[${JSON.stringify(name)}]`;
      i += match[0].length;
    }
    nameAllowed = false;
    descendant = false;
  }
  return out;
}

function closingBracket(text: string, open: number, whole: string): number {
  let quote: string | undefined;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '[') depth++;
    else if (ch === ']' && --depth === 0) return i;
  }
  throw new JsonPathSyntaxError(`unclosed [ in path "${whole}"`);
}

function closingQuote(text: string, open: number, whole: string): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === text[open]) return i;
  }
  throw new JsonPathSyntaxError(`unclosed quote in path "${whole}"`);
}

/** The value at a compiled path, or MISSING when any step does not exist (distinct from a JSON null). */
export function readPath(value: unknown, segments: readonly PathSegment[]): unknown {
  let current: unknown = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return MISSING;
    if (!Object.hasOwn(current, segment)) return MISSING;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}
/**
 * A compiled path as text that compilePath reads back to the same segments: `links.next`, `data[0]`, and a key
 * that dotted notation would split or misread quoted, as in `['@odata.nextLink']`. Keys that need no quotes
 * print as they always have (saved incremental state compares this text).
 */
export function formatSegments(segments: readonly PathSegment[]): string {
  if (segments.length === 0) return '$';
  return segments
    .map((s, i) => {
      if (typeof s === 'number') return `[${s}]`;
      if (needsQuotes(s, i)) return s.includes("'") ? `["${s}"]` : `['${s}']`;
      return i === 0 ? s : `.${s}`;
    })
    .join('');
}

function needsQuotes(segment: string, index: number): boolean {
  return (
    segment === '' || /[.[\]]/.test(segment) || segment.trim() !== segment || (index === 0 && segment.startsWith('$'))
  );
}

/** Sets a value at a compiled path inside a JSON body, creating objects on the way (`pagination.cursor`). */
export function setPath(target: Record<string, unknown>, segments: readonly PathSegment[], value: unknown): void {
  if (segments.length === 0) throw new JsonPathSyntaxError('cannot set the body itself; name a key');
  let current: Record<PropertyKey, unknown> = target;
  for (const [i, segment] of segments.entries()) {
    if (segment === '__proto__' || segment === 'constructor' || segment === 'prototype') {
      throw new JsonPathSyntaxError(`refusing to write "${String(segment)}" into a request body`);
    }
    if (i === segments.length - 1) {
      current[segment] = value;
      return;
    }
    const next = current[segment];
    if (next === null || typeof next !== 'object') current[segment] = typeof segments[i + 1] === 'number' ? [] : {};
    current = current[segment] as Record<PropertyKey, unknown>;
  }
}
