// Binding an endpoint's params, as dlt's rest_api does: static values, `resolve` params (a parent's field), one
// incremental binding (setup_incremental_object), and legacy `{name}` path placeholders (_bind_path_params); then
// the placeholders left in params, json and headers, which name the parent.
import type { DataSelector, IncrementalConfig, ParamValue, SourceConfigParsed } from './schema.js';
import { findExpressions, parseTemplate, TemplateSyntaxError } from './template.js';
import { checkPath, type Report } from './checks.js';

export type Scalar = string | number | boolean | null;

type Endpoint = NonNullable<Exclude<SourceConfigParsed['resources'][number], string>['endpoint']>;
export type EndpointObject = Exclude<Endpoint, string>;
export type PartialEndpoint = Partial<EndpointObject>;
/** The config path where an endpoint key was set (the resource, resource_defaults or the client). */
export type Locate = (key: keyof EndpointObject) => string;

export interface ResolvedIncremental {
  readonly cursorPath: DataSelector;
  readonly initialValue: string | number | undefined;
  readonly endValue: string | number | undefined;
  /** query param that carries the start value (dlt's start_param, or the name of an incremental param) */
  readonly startParam: string | undefined;
  readonly endParam: string | undefined;
  readonly lastValueFunc: 'max' | 'min';
  readonly onCursorValueMissing: 'raise' | 'include' | 'exclude';
  readonly rowOrder: 'asc' | 'desc' | undefined;
  readonly rangeStart: 'open' | 'closed';
  readonly rangeEnd: 'open' | 'closed';
  readonly convert: ((value: unknown) => unknown) | undefined;
  /** dlt's lag: a later run starts this far behind the saved last value */
  readonly lag?: number | undefined;
}

interface ResolveBinding {
  readonly resource: string;
  readonly field: DataSelector;
}

/** An endpoint's params sorted by kind, before the path takes the ones it names. */
export interface ParamBindings {
  /** client params, then the endpoint's static params */
  readonly params: Readonly<Record<string, Scalar>>;
  /** `{ type: 'resolve' }` params by param name, in config order */
  readonly resolveParams: ReadonlyMap<string, ResolveBinding>;
  readonly incremental: ResolvedIncremental | undefined;
}

const INCREMENTAL_KEYS = new Set(['start_value', 'initial_value', 'last_value', 'end_value', 'lag']);

/**
 * Sorts the merged endpoint's params into static values (over the client's params), resolve bindings and the one
 * incremental binding, which may come from an `{ type: 'incremental' }` param (its name is the start param) or from
 * `endpoint.incremental`, not both (dlt: one incremental per resource). Problems go to `issue`.
 */
export function bindParams(
  clientParams: Readonly<Record<string, Scalar>> | undefined,
  endpoint: Pick<PartialEndpoint, 'params' | 'incremental'>,
  where: Locate,
  issue: Report,
): ParamBindings {
  const params: Record<string, Scalar> = { ...clientParams };
  const resolveParams = new Map<string, ResolveBinding>();
  let incremental: ResolvedIncremental | undefined;
  let incrementalAt: string | undefined;
  for (const [key, value] of Object.entries(endpoint.params ?? {}) as [string, ParamValue][]) {
    const paramAt = `${where('params')}.${key}`;
    if (value !== null && typeof value === 'object') {
      if (value.type === 'resolve') {
        resolveParams.set(key, { resource: value.resource, field: value.field });
      } else {
        if (incremental) issue(paramAt, `only one incremental binding per endpoint (already at ${incrementalAt})`);
        const { type: _type, end_value: _end, end_param: _endParam, ...rest } = value;
        incremental = resolveIncremental({ ...rest, start_param: key }, paramAt, issue);
        incrementalAt = paramAt;
      }
    } else {
      params[key] = value;
    }
  }
  if (endpoint.incremental) {
    const incAt = where('incremental');
    if (incremental) issue(incAt, `only one incremental binding per endpoint (already at ${incrementalAt})`);
    else incremental = resolveIncremental(endpoint.incremental, incAt, issue);
  }
  return { params, resolveParams, incremental };
}

/** The placeholder contexts an endpoint may use: `incremental` only with an incremental binding. */
export function placeholderContexts(incremental: ResolvedIncremental | undefined): readonly string[] {
  return incremental ? ['resources', 'incremental'] : ['resources'];
}

/**
 * dlt's _bind_path_params: a legacy `{name}` in the path takes the static param or resolve param of that name
 * (a resolve param becomes `{resources.<parent>.<field>}`); dotted placeholders stay and are checked. A resolve
 * param the path does not name is a problem, as in dlt. Returns the bound path
 * (unchanged when the template does not parse) and the params left to send; problems are reported at `pathAt`.
 */
export function bindPathParams(
  path: string,
  bindings: ParamBindings,
  contexts: readonly string[],
  pathAt: string,
  issue: Report,
): { path: string; params: Record<string, Scalar> } {
  const params: Record<string, Scalar> = { ...bindings.params };
  const resolveParams = new Map(bindings.resolveParams);
  let bound = path;
  try {
    const out: string[] = [];
    for (const part of parseTemplate(path)) {
      if ('literal' in part) {
        out.push(part.literal.replace(/[{}]/g, (b) => b + b));
        continue;
      }
      const expr = part.expr;
      if (expr.includes('.')) {
        checkExpression(expr, contexts, pathAt, issue);
        out.push(`{${expr}}`);
      } else if (resolveParams.has(expr)) {
        const r = resolveParams.get(expr) as ResolveBinding;
        out.push(`{resources.${r.resource}.${fieldText(r.field)}}`);
        resolveParams.delete(expr);
      } else if (expr in params && params[expr] !== null) {
        out.push(String(params[expr]).replace(/[{}]/g, (b) => b + b));
        delete params[expr];
      } else {
        issue(
          pathAt,
          `the path "${path}" needs a param named "${expr}", but endpoint.params has none (or use {resources.<parent>.<field>})`,
        );
      }
    }
    bound = out.join('');
  } catch (error) {
    if (!(error instanceof TemplateSyntaxError)) throw error;
    issue(pathAt, error.message);
  }
  // dlt 1.x raises here: a resolve param belongs in the path; a query param takes {resources.<parent>.<field>}.
  if (resolveParams.size > 0)
    issue(
      pathAt,
      `resolve params ${[...resolveParams.keys()].map((k) => `"${k}"`).join(', ')} are not bound in path "${path}"; ` +
        `to send a parent's field as a query param write "<param>": "{resources.<parent>.<field>}" (as dlt requires)`,
    );
  return { path: bound, params };
}

/**
 * Every placeholder expression of an endpoint after path binding: those in params, json, data and headers (checked
 * against `contexts`, reported where each key was set) and those in the bound path (checked by bindPathParams).
 */
export function collectPlaceholders(
  path: string,
  sections: { params: unknown; json: unknown; data: unknown; headers: unknown },
  contexts: readonly string[],
  where: Locate,
  issue: Report,
): Set<string> {
  const expressions = new Set<string>();
  for (const key of ['params', 'json', 'data', 'headers'] as const) {
    const value = sections[key];
    if (value === undefined) continue;
    const at = where(key);
    try {
      for (const expr of findExpressions(value)) {
        checkExpression(expr, contexts, at, issue);
        expressions.add(expr);
      }
    } catch (error) {
      if (!(error instanceof TemplateSyntaxError)) throw error;
      issue(at, error.message);
    }
  }
  try {
    for (const expr of findExpressions(path)) expressions.add(expr);
  } catch {
    // a path that does not parse was reported by bindPathParams
  }
  return expressions;
}

function fieldText(field: DataSelector): string {
  return typeof field === 'string' ? field : field.map(String).join('.');
}

function checkExpression(expr: string, contexts: readonly string[], at: string, issue: Report): void {
  const [context, ...rest] = expr.split('.');
  if (!context || !contexts.includes(context)) {
    const hint =
      context === 'incremental' ? ' ({incremental.*} needs endpoint.incremental or an incremental param)' : '';
    issue(
      at,
      `placeholder {${expr}} is not valid: expressions start with ${contexts.map((c) => `${c}.`).join(' or ')}${hint}; write {{ and }} for literal braces`,
    );
    return;
  }
  if (context === 'resources' && rest.length < 2)
    issue(at, `placeholder {${expr}} must read resources.<parent>.<field>`);
  if (context === 'incremental' && (rest.length !== 1 || !INCREMENTAL_KEYS.has(rest[0] as string))) {
    issue(
      at,
      `placeholder {${expr}}: incremental offers ${[...INCREMENTAL_KEYS].map((k) => `incremental.${k}`).join(', ')}`,
    );
  }
}

function resolveIncremental(
  config: Partial<IncrementalConfig> & { cursor_path: DataSelector },
  at: string,
  issue: Report,
): ResolvedIncremental {
  checkPath(config.cursor_path, `${at}.cursor_path`, issue);
  if (config.end_value !== undefined && config.initial_value === undefined)
    issue(`${at}.initial_value`, 'end_value needs initial_value (as in dlt)');
  return {
    cursorPath: config.cursor_path,
    initialValue: config.initial_value,
    endValue: config.end_value,
    startParam: config.start_param,
    endParam: config.end_param,
    lastValueFunc: config.last_value_func ?? 'max',
    onCursorValueMissing: config.on_cursor_value_missing ?? 'raise',
    rowOrder: config.row_order,
    rangeStart: config.range_start ?? 'closed',
    rangeEnd: config.range_end ?? 'open',
    convert: config.convert,
    lag: config.lag,
  };
}
