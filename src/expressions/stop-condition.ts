// A safe evaluator for paginator stop conditions such as `metadata.after is none`.
// Python-flavoured like dlt configs; parsed once into a tree, never passed to eval. A leaf beside
// json-path.ts: config/ compiles conditions at load time to refuse bad ones, rest/ evaluates them.
//
// grammar:  expr := or ; or := and ('or' and)* ; and := not ('and' not)* ; not := 'not' not | cmp
//           cmp  := value (('is' 'not'? | '==' | '!=' | '<' | '<=' | '>' | '>=') value)?
//           value := 'none' | 'true' | 'false' | number | string | 'len' '(' path ')' | path | '(' expr ')'
import { ErrorCode, StreamtapError } from '../errors.js';
import { compilePath, MISSING, readPath } from './json-path.js';

export class StopConditionError extends StreamtapError {
  readonly code = ErrorCode.STOP_CONDITION_INVALID;
}

type Node =
  | { kind: 'literal'; value: unknown }
  | { kind: 'path'; segments: readonly (string | number)[] }
  | { kind: 'len'; arg: Node }
  | { kind: 'not'; arg: Node }
  | { kind: 'bool'; op: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'cmp'; op: string; left: Node; right: Node };

export type StopCondition = (body: unknown) => boolean;

const MAX_LENGTH = 500;
const TOKEN =
  /\s*(?:(\d+(?:\.\d+)?)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(==|!=|<=|>=|<|>|\(|\))|([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[(?:\d+|'[^'\]]*'|"[^"\]]*")\])*))/y;

export function compileStopCondition(source: string): StopCondition {
  if (source.length > MAX_LENGTH) throw new StopConditionError(`stop condition longer than ${MAX_LENGTH} characters`);
  const tokens = tokenize(source);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const take = (): string => {
    const t = tokens[pos++];
    if (t === undefined) throw new StopConditionError(`unexpected end of stop condition "${source}"`);
    return t;
  };
  const expect = (t: string): void => {
    const got = take();
    if (got !== t) throw new StopConditionError(`expected "${t}" but found "${got}" in "${source}"`);
  };
  let depth = 0;
  const parseOr = (): Node => {
    let left = parseAnd();
    while (peek() === 'or') {
      take();
      left = { kind: 'bool', op: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Node => {
    let left = parseNot();
    while (peek() === 'and') {
      take();
      left = { kind: 'bool', op: 'and', left, right: parseNot() };
    }
    return left;
  };
  const parseNot = (): Node => {
    if (peek() === 'not') {
      take();
      return { kind: 'not', arg: parseNot() };
    }
    return parseCmp();
  };
  const parseCmp = (): Node => {
    const left = parseValue();
    const op = peek();
    if (op === 'is') {
      take();
      if (peek() === 'not') {
        take();
        return { kind: 'cmp', op: 'is not', left, right: parseValue() };
      }
      return { kind: 'cmp', op: 'is', left, right: parseValue() };
    }
    if (op && ['==', '!=', '<', '<=', '>', '>='].includes(op)) {
      take();
      return { kind: 'cmp', op, left, right: parseValue() };
    }
    return left;
  };
  const parseValue = (): Node => {
    const t = take();
    if (t === '(') {
      if (++depth > 32) throw new StopConditionError('stop condition nests too deeply');
      const inner = parseOr();
      expect(')');
      depth--;
      return inner;
    }
    const lower = t.toLowerCase();
    if (lower === 'none' || lower === 'null') return { kind: 'literal', value: null };
    if (lower === 'true') return { kind: 'literal', value: true };
    if (lower === 'false') return { kind: 'literal', value: false };
    if (/^\d/.test(t)) return { kind: 'literal', value: Number(t) };
    if (t.startsWith("'") || t.startsWith('"'))
      return { kind: 'literal', value: t.slice(1, -1).replace(/\\(.)/g, '$1') };
    if (t === 'len' && peek() === '(') {
      take();
      const arg = parseValue();
      expect(')');
      return { kind: 'len', arg };
    }
    if (['and', 'or', 'not', 'is', ')'].includes(t) || /^[=!<>]/.test(t)) {
      throw new StopConditionError(`unexpected "${t}" in stop condition "${source}"`);
    }
    return { kind: 'path', segments: compilePath(t) };
  };
  const tree = parseOr();
  if (pos !== tokens.length) throw new StopConditionError(`unexpected "${tokens[pos]}" in stop condition "${source}"`);
  return (body) => truthy(evaluate(tree, body));
}

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let index = 0;
  while (index < source.length) {
    if (/^\s*$/.test(source.slice(index))) break;
    TOKEN.lastIndex = index;
    const m = TOKEN.exec(source);
    if (!m) throw new StopConditionError(`cannot read stop condition "${source}" at position ${index}`);
    tokens.push((m[1] ?? m[2] ?? m[3] ?? m[4]) as string);
    index = TOKEN.lastIndex;
  }
  if (tokens.length === 0) throw new StopConditionError('empty stop condition');
  return tokens;
}

function evaluate(node: Node, body: unknown): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'path': {
      const v = readPath(body, node.segments);
      // A missing key reads as none, as Python's dict.get would.
      return v === MISSING ? null : v;
    }
    case 'len': {
      const v = evaluate(node.arg, body);
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v && typeof v === 'object') return Object.keys(v).length;
      return 0;
    }
    case 'not':
      return !truthy(evaluate(node.arg, body));
    case 'bool':
      return node.op === 'and'
        ? truthy(evaluate(node.left, body)) && truthy(evaluate(node.right, body))
        : truthy(evaluate(node.left, body)) || truthy(evaluate(node.right, body));
    case 'cmp':
      return compare(node.op, evaluate(node.left, body), evaluate(node.right, body));
  }
}

function compare(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case 'is':
    case '==':
      return a === b;
    case 'is not':
    case '!=':
      return a !== b;
  }
  if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false;
  const x = a as number | string;
  const y = b as number | string;
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}
