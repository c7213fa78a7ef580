// A small JSONPath subset for data selectors and cursor paths: `$`, `a.b`, `$.a.b`, `a[0]`, `a['x y']`.
// A leaf: config/ validates paths with it at load time, rest/ reads response bodies with it.
import { ErrorCode, StreamtapError } from '../errors.js';

export type PathSegment = string | number;

/** A path as a dlt config writes it: JSONPath text, or the segments already split (`['data', 0]`). */
export type PathExpression = string | readonly PathSegment[];

export class JsonPathSyntaxError extends StreamtapError {
  readonly code = ErrorCode.JSON_PATH_INVALID;
}

export function compilePath(path: PathExpression): readonly PathSegment[] {
  if (typeof path !== 'string') return path;
  const text = path.trim();
  const segments: PathSegment[] = [];
  let i = text.startsWith('$') ? 1 : 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '.') {
      i++;
      continue;
    }
    if (ch === '[') {
      const close = text.indexOf(']', i);
      if (close < 0) throw new JsonPathSyntaxError(`unclosed [ in path "${text}"`);
      const inner = text.slice(i + 1, close).trim();
      const quoted = /^(['"])(.*)\1$/.exec(inner);
      if (quoted) segments.push(quoted[2] ?? '');
      else if (/^\d+$/.test(inner)) segments.push(Number(inner));
      else throw new JsonPathSyntaxError(`unsupported selector [${inner}] in path "${text}"`);
      i = close + 1;
      continue;
    }
    const match = /^[^.[\]]+/.exec(text.slice(i));
    if (!match) throw new JsonPathSyntaxError(`unexpected "${ch}" in path "${text}"`);
    segments.push(match[0]);
    i += match[0].length;
  }
  return segments;
}

export const MISSING: unique symbol = Symbol('missing');

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
