// Placeholders in paths, params, JSON bodies and headers, with dlt's syntax (Python str.format):
// `{resources.issues.number}`, `{incremental.start_value}`; `{{` and `}}` are literal braces.
// Parsed once at config load; expanded per request from plain values, never evaluated as code.
import { ErrorCode, StreamtapError } from '../errors.js';

export type TemplatePart = { readonly literal: string } | { readonly expr: string };

export class TemplateSyntaxError extends StreamtapError {
  readonly code = ErrorCode.TEMPLATE_INVALID;
}

// A param name as dlt configs write them: word characters and `-` (`{user-id}`: Python's str.format reads it as one
// name). Nothing that could be code: no calls, quotes, indexes, conversions or format specs.
const EXPRESSION = /^[A-Za-z_][\w-]*(\.[^{}.\s]+)*$/;

export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{' && text[i + 1] === '{') {
      literal += '{';
      i++;
    } else if (ch === '}' && text[i + 1] === '}') {
      literal += '}';
      i++;
    } else if (ch === '{') {
      const close = text.indexOf('}', i + 1);
      if (close < 0) throw new TemplateSyntaxError(`unclosed "{" in "${text}" (write {{ for a literal brace)`);
      const expr = text.slice(i + 1, close).trim();
      if (!EXPRESSION.test(expr))
        throw new TemplateSyntaxError(
          `"{${expr}}" in "${text}" is not a placeholder (write {{ and }} for literal braces)`,
        );
      if (literal) parts.push({ literal });
      literal = '';
      parts.push({ expr });
      i = close;
    } else if (ch === '}') {
      throw new TemplateSyntaxError(`single "}" in "${text}" (write }} for a literal brace)`);
    } else {
      literal += ch;
    }
  }
  if (literal) parts.push({ literal });
  return parts;
}

/** Every placeholder expression in a value: strings, and strings nested in objects and arrays (keys too). */
export function findExpressions(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') {
    for (const part of parseTemplate(value)) if ('expr' in part) into.add(part.expr);
  } else if (Array.isArray(value)) {
    for (const item of value) findExpressions(item, into);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      findExpressions(k, into);
      findExpressions(v, into);
    }
  }
  return into;
}

export type Lookup = (expr: string) => unknown;

export class TemplateValueError extends StreamtapError {
  readonly code = ErrorCode.TEMPLATE_VALUE_MISSING;
}

function text(value: unknown, expr: string): string {
  if (value === undefined) throw new TemplateValueError(`no value for placeholder {${expr}}`);
  if (value === null) return 'None';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function expandString(template: string, lookup: Lookup): string {
  return parseTemplate(template)
    .map((p) => ('expr' in p ? text(lookup(p.expr), p.expr) : p.literal))
    .join('');
}

/**
 * Expands placeholders in a JSON-like value. With `preserveTypes` (JSON bodies), a string that is exactly one
 * placeholder becomes the value itself, so `"{incremental.start_value}"` can stay a number.
 */
export function expandValue(value: unknown, lookup: Lookup, preserveTypes = false): unknown {
  if (typeof value === 'string') {
    if (preserveTypes) {
      const parts = parseTemplate(value);
      const only = parts[0];
      if (parts.length === 1 && only && 'expr' in only) {
        const v = lookup(only.expr);
        if (v === undefined) throw new TemplateValueError(`no value for placeholder {${only.expr}}`);
        return v;
      }
    }
    return expandString(value, lookup);
  }
  if (Array.isArray(value)) return value.map((item) => expandValue(item, lookup, preserveTypes));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [expandString(k, lookup), expandValue(v, lookup, preserveTypes)]),
    );
  }
  return value;
}
