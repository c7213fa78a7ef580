// A validated, defaults-applied, frozen view of a source config: what the rest of streamtap reads.
// The zod schema checks each key; this module checks what spans keys (placeholders against params,
// parents against resources, paginators that could never stop) and names the path of every problem.
import type {
  AuthConfig,
  DataSelector,
  IncrementalConfig,
  PaginatorConfig,
  ParamValue,
  RateLimitConfig,
  ResponseAction,
  SecretRef,
  SourceConfigParsed,
  WriteDisposition,
} from './schema.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { findExpressions, parseTemplate, TemplateSyntaxError } from './template.js';
import { compilePath, JsonPathSyntaxError } from '../expressions/json-path.js';
import { compileStopCondition, StopConditionError } from '../expressions/stop-condition.js';
import { isSingleEntityPath } from './single-entity.js';
import { NO_MEANING_HINTS } from './schema.js';

export type Scalar = string | number | boolean | null;

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
}

export interface ResolvedEndpoint {
  /** may hold placeholders: `{resources.<parent>.<field>}`, `{incremental.start_value}` */
  readonly path: string;
  readonly method: 'GET' | 'POST';
  /** static query params (client, defaults and endpoint merged); string values may hold placeholders */
  readonly params: Readonly<Record<string, Scalar>>;
  readonly json: Readonly<Record<string, unknown>> | undefined;
  /** dlt's `data`: form fields (sent url-encoded) or a raw string body; never together with json */
  readonly data: Readonly<Record<string, Scalar>> | readonly (readonly [string, Scalar])[] | string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly dataSelector: DataSelector | undefined;
  /** undefined or `auto`: detected from the first response */
  readonly paginator: PaginatorConfig | undefined;
  readonly responseActions: readonly ResponseAction[];
  readonly incremental: ResolvedIncremental | undefined;
  /** an endpoint-level auth override */
  readonly auth: AuthConfig | undefined;
}

export type ProcessingStep =
  | { readonly kind: 'filter'; readonly fn: (record: unknown) => unknown }
  | { readonly kind: 'map'; readonly fn: (record: unknown) => unknown }
  /** dlt's yield_map: one record in, an array or iterable of records out */
  | { readonly kind: 'yield_map'; readonly fn: (record: unknown) => unknown };

export interface ResolvedParent {
  /** the parent resource's name */
  readonly resource: string;
  /** parent fields copied into each child record as `_<parent>_<field>` */
  readonly includeFromParent: readonly string[];
}

export interface ResolvedResource {
  readonly name: string;
  readonly tableName: string;
  /** empty: no key; the resource appends (MergeTree, every observation kept), as in dlt */
  readonly primaryKey: readonly string[];
  /** dlt's merge_key hint, kept for tools; streamtap merges by primary key */
  readonly mergeKey: readonly string[];
  /** dlt's columns hint by column name: a declared type beats inference */
  readonly columns: Readonly<Record<string, ColumnHint>>;
  /** dlt's schema_contract, per entity; default evolve everywhere, as in dlt */
  readonly schemaContract: SchemaContract;
  readonly writeDisposition: WriteDisposition;
  readonly selected: boolean;
  readonly maxTableNesting: number | undefined;
  readonly endpoint: ResolvedEndpoint;
  /** set for a child resource: one request (walk) per parent record */
  readonly parent: ResolvedParent | undefined;
  readonly processingSteps: readonly ProcessingStep[];
  /** child walks in flight at once */
  readonly concurrency: number;
  readonly maxPages: number | undefined;
  /** partitions of the resource's topic when streamtap creates it (`kafka: { partitions }`); unset: settings */
  readonly partitions?: number | undefined;
}

export type ContractMode = 'evolve' | 'freeze' | 'discard_row' | 'discard_value';
export interface SchemaContract {
  readonly tables: ContractMode;
  readonly columns: ContractMode;
  readonly data_type: ContractMode;
}
export interface ColumnHint {
  readonly data_type?: string | undefined;
  readonly nullable?: boolean | undefined;
  readonly precision?: number | undefined;
  readonly scale?: number | undefined;
}

export interface ResolvedSource {
  /** things accepted for dlt compatibility that change nothing here: `check` and `run` print each once */
  readonly warnings: readonly string[];
  readonly name: string;
  readonly baseUrl: string;
  readonly auth: AuthConfig | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly rateLimit: RateLimitConfig | undefined;
  readonly maxResponseBytes: number | undefined;
  readonly timeoutMs: number | undefined;
  readonly maxParallelResources: number | undefined;
  readonly resources: readonly ResolvedResource[];
}

type Endpoint = NonNullable<Exclude<SourceConfigParsed['resources'][number], string>['endpoint']>;
type EndpointObject = Exclude<Endpoint, string>;
type PartialEndpoint = Partial<EndpointObject>;

const INCREMENTAL_KEYS = new Set(['start_value', 'initial_value', 'last_value', 'end_value']);
const DEFAULT_CHILD_CONCURRENCY = 4;

export function resolveSource(parsed: SourceConfigParsed, name: string, origin: string): ResolvedSource {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const issue = (path: string, message: string): void => {
    if (!issues.some((i) => i.path === path && i.message === message)) issues.push({ path, message });
  };
  const defaults = parsed.resource_defaults ?? {};
  const names = new Set(parsed.resources.map((r) => (typeof r === 'string' ? r : r.name)));
  const seen = new Set<string>();

  const resources = parsed.resources.map((entry, index): ResolvedResource => {
    const at = `resources[${index}]`;
    const resource = typeof entry === 'string' ? { name: entry } : entry;
    if (typeof entry === 'string' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry)) {
      issue(at, `"${entry}" is not a resource name: letters, digits and _ (it names a topic and a table)`);
    }
    if (seen.has(resource.name)) issue(`${at}.name`, `duplicate resource name "${resource.name}"`);
    seen.add(resource.name);

    const own: PartialEndpoint =
      typeof resource.endpoint === 'string' ? { path: resource.endpoint } : (resource.endpoint ?? {});
    const base: PartialEndpoint = defaults.endpoint ?? {};
    // dlt merges endpoint keys shallowly, except params and json, which merge one level deep. An explicit null
    // (`"paginator": null`) replaces the default, and then means "not set" (dlt's dict update, then `is None`).
    const endpoint: PartialEndpoint = {
      ...base,
      ...own,
      params: { ...base.params, ...own.params },
      json: base.json || own.json ? { ...base.json, ...own.json } : undefined,
    };
    if (endpoint.data !== undefined && endpoint.json !== undefined)
      issue(`${at}.endpoint.data`, 'give data or json, not both (dlt refuses both)');
    const where = (key: keyof EndpointObject): string =>
      own[key] !== undefined
        ? `${at}.endpoint.${key}`
        : base[key] !== undefined
          ? `resource_defaults.endpoint.${key}`
          : key === 'paginator'
            ? 'client.paginator'
            : `${at}.endpoint.${key}`;

    let path = endpoint.path ?? resource.name;
    const method = endpoint.method ?? 'GET';
    let dataSelector = endpoint.data_selector ?? undefined;
    let endpointPaginator = endpoint.paginator ?? undefined;
    // dlt (setup_single_entity_endpoint): a path whose last segment holds a placeholder names one entity: the body
    // is the record and there is one page, unless the endpoint (or resource_defaults) names a paginator; the
    // client's paginator does not apply to it.
    if (isSingleEntityPath(path)) {
      dataSelector ??= '$';
      endpointPaginator ??= { type: 'single_page' };
    }
    const paginator: PaginatorConfig | undefined = endpointPaginator ?? parsed.client.paginator ?? undefined;

    // ── params: static values, resolve bindings, an incremental binding ──
    const params: Record<string, Scalar> = { ...parsed.client.params };
    const resolveParams = new Map<string, { resource: string; field: DataSelector }>();
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
    const contexts = incremental ? ['resources', 'incremental'] : ['resources'];

    // ── path: legacy `{name}` placeholders bind static params or resolve params (dlt's _bind_path_params) ──
    const pathAt = where('path');
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
          const r = resolveParams.get(expr) as { resource: string; field: DataSelector };
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
      path = out.join('');
    } catch (error) {
      if (!(error instanceof TemplateSyntaxError)) throw error;
      issue(pathAt, error.message);
    }
    // A resolve param that is not in the path is sent as a query parameter (dlt before 1.0 did the same).
    for (const [key, r] of resolveParams) params[key] = `{resources.${r.resource}.${fieldText(r.field)}}`;

    // ── placeholders in params, json and headers ──
    const expressions = new Set<string>();
    for (const [key, value] of [
      ['params', params],
      ['json', endpoint.json],
      ['headers', endpoint.headers],
    ] as const) {
      if (value === undefined) continue;
      const at2 = key === 'params' ? where('params') : where(key);
      try {
        for (const expr of findExpressions(value)) {
          checkExpression(expr, contexts, at2, issue);
          expressions.add(expr);
        }
      } catch (error) {
        if (!(error instanceof TemplateSyntaxError)) throw error;
        issue(at2, error.message);
      }
    }
    try {
      for (const expr of findExpressions(path)) expressions.add(expr);
    } catch {
      // reported above
    }

    // ── parent ──
    const parents = new Set(
      [...expressions].filter((e) => e.startsWith('resources.')).map((e) => e.split('.')[1] as string),
    );
    let parent: ResolvedParent | undefined;
    if (parents.size > 1) {
      issue(`${at}.endpoint`, `a resource can have one parent; placeholders name ${[...parents].join(', ')}`);
    } else if (parents.size === 1) {
      const parentName = [...parents][0] as string;
      if (parentName === resource.name) issue(`${at}.endpoint`, `resource "${resource.name}" cannot be its own parent`);
      else if (!names.has(parentName))
        issue(
          `${at}.endpoint`,
          `parent resource "${parentName}" is not defined; resources are: ${[...names].join(', ')}`,
        );
      parent = {
        resource: parentName,
        includeFromParent: resource.include_from_parent ?? defaults.include_from_parent ?? [],
      };
    } else if (resource.include_from_parent !== undefined && resource.include_from_parent.length > 0) {
      issue(
        `${at}.include_from_parent`,
        'include_from_parent needs a parent resource (a resolve param or a {resources.<parent>.<field>} placeholder)',
      );
    }

    if (paginator) checkPaginator(paginator, where('paginator'), method, `${at}.endpoint.method`, issue);
    if (dataSelector !== undefined) checkPath(dataSelector, `${where('data_selector')}`, issue);

    const pk = resource.primary_key ?? defaults.primary_key;
    const disposition = resource.write_disposition ?? defaults.write_disposition;
    const dispositionName =
      disposition === undefined ? 'append' : typeof disposition === 'string' ? disposition : disposition.disposition;
    // Without a key a resource appends (dlt's default); merge and replace need a key to know what replaces what.
    if (pk === undefined && dispositionName !== 'append') {
      issue(
        `${at}.write_disposition`,
        `${dispositionName} needs a primary_key (here or in resource_defaults) to know which rows replace which; without one, use append`,
      );
    }
    const tableName = resource.table_name ?? defaults.table_name;
    if (typeof tableName === 'function')
      warnings.push(
        `${at}.table_name: a function is accepted for dlt compatibility but not applied: every record of "${resource.name}" goes to its one topic and table`,
      );
    for (const hint of NO_MEANING_HINTS) {
      const where2 = (resource as Record<string, unknown>)[hint] !== undefined ? at : 'resource_defaults';
      if (
        (resource as Record<string, unknown>)[hint] !== undefined ||
        (defaults as Record<string, unknown>)[hint] !== undefined
      )
        warnings.push(
          `${where2}.${hint}: accepted for dlt compatibility; it has no meaning for a Kafka topic and a ClickHouse table`,
        );
    }
    const mergeKey = resource.merge_key ?? defaults.merge_key;
    const contract = resource.schema_contract ?? defaults.schema_contract ?? 'evolve';
    const steps = resource.processing_steps ?? defaults.processing_steps ?? [];
    const parallel = resource.parallelized ?? defaults.parallelized;
    return {
      name: resource.name,
      tableName: typeof tableName === 'string' ? tableName : resource.name,
      primaryKey: pk === undefined ? [] : typeof pk === 'string' ? [pk] : [...pk],
      mergeKey: mergeKey === undefined ? [] : typeof mergeKey === 'string' ? [mergeKey] : [...mergeKey],
      columns: columnHints(resource.columns ?? defaults.columns),
      schemaContract:
        typeof contract === 'string'
          ? { tables: contract, columns: contract, data_type: contract }
          : {
              tables: contract.tables ?? 'evolve',
              columns: contract.columns ?? 'evolve',
              data_type: contract.data_type ?? 'evolve',
            },
      // dlt's default disposition is append.
      writeDisposition: dispositionName,
      selected: resource.selected ?? defaults.selected ?? true,
      maxTableNesting: resource.max_table_nesting ?? defaults.max_table_nesting,
      endpoint: {
        path,
        method,
        params,
        json: endpoint.json,
        data: endpoint.data,
        headers: endpoint.headers ?? {},
        dataSelector,
        paginator: paginator?.type === 'auto' ? undefined : paginator,
        responseActions: endpoint.response_actions ?? [],
        incremental,
        auth: endpoint.auth === undefined ? undefined : normalizeAuth(endpoint.auth),
      },
      parent,
      processingSteps: steps.map((s): ProcessingStep =>
        'filter' in s
          ? { kind: 'filter', fn: s.filter }
          : 'map' in s
            ? { kind: 'map', fn: s.map }
            : { kind: 'yield_map', fn: s.yield_map },
      ),
      concurrency: resource.concurrency ?? defaults.concurrency ?? (parallel ? DEFAULT_CHILD_CONCURRENCY : 1),
      maxPages: resource.max_pages ?? defaults.max_pages,
      partitions: resource.kafka?.partitions ?? defaults.kafka?.partitions,
    };
  });

  // A parent chain must end: a → b → a would wait on itself forever.
  const byName = new Map(resources.map((r) => [r.name, r]));
  resources.forEach((r, index) => {
    const chain = [r.name];
    for (let p = r.parent; p; p = byName.get(p.resource)?.parent) {
      if (chain.includes(p.resource)) {
        issue(`resources[${index}].endpoint`, `parent cycle: ${[...chain, p.resource].join(' → ')}`);
        break;
      }
      chain.push(p.resource);
    }
  });

  if (issues.length > 0) throw new ConfigError(origin, issues);
  return deepFreeze({
    warnings: [...new Set(warnings)],
    name: parsed.name ?? name,
    baseUrl: parsed.client.base_url.replace(/\/+$/, ''),
    auth: parsed.client.auth === undefined ? undefined : normalizeAuth(parsed.client.auth),
    headers: parsed.client.headers ?? {},
    rateLimit: parsed.client.rate_limit,
    maxResponseBytes: parsed.client.max_response_bytes,
    timeoutMs:
      parsed.client.timeout_seconds === undefined ? undefined : Math.round(parsed.client.timeout_seconds * 1000),
    maxParallelResources: parsed.max_parallel_resources,
    resources,
  });
}

/** Every secret a source refers to, by name: what must be set before the first request. */
export function secretNames(source: Pick<ResolvedSource, 'auth' | 'resources'>): string[] {
  const out = new Set<string>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    if (typeof (value as Partial<SecretRef>).$secret === 'string') out.add((value as SecretRef).$secret);
    else for (const v of Object.values(value)) visit(v);
  };
  visit(source.auth);
  for (const r of source.resources) visit(r.endpoint.auth);
  return [...out];
}

function normalizeAuth(auth: AuthConfig): AuthConfig {
  return auth.type === undefined ? { ...auth, type: 'bearer' } : auth;
}

function fieldText(field: DataSelector): string {
  return typeof field === 'string' ? field : field.map(String).join('.');
}

type Report = (path: string, message: string) => void;

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

function checkPath(path: DataSelector, at: string, issue: Report): void {
  try {
    compilePath(path);
  } catch (error) {
    if (error instanceof JsonPathSyntaxError) issue(at, error.message);
    else throw error;
  }
}

function checkPaginator(p: PaginatorConfig, at: string, method: string, methodAt: string, issue: Report): void {
  if ('stop_condition' in p && p.stop_condition !== undefined) {
    try {
      compileStopCondition(p.stop_condition);
    } catch (error) {
      if (error instanceof StopConditionError) issue(`${at}.stop_condition`, error.message);
      else throw error;
    }
  }
  const both = (a: string, b: string): void => {
    const record = p as Record<string, unknown>;
    if (record[a] !== undefined && record[b] !== undefined) issue(`${at}.${b}`, `give ${a} or ${b}, not both`);
  };
  const bodyPaths: string[] = [];
  switch (p.type) {
    case 'cursor':
      both('cursor_param', 'cursor_body_path');
      checkPath(p.cursor_path, `${at}.cursor_path`, issue);
      if (p.cursor_body_path !== undefined) bodyPaths.push('cursor_body_path');
      break;
    case 'json_link':
    case 'json_response':
      checkPath(p.next_url_path, `${at}.next_url_path`, issue);
      break;
    case 'offset':
      both('offset_param', 'offset_body_path');
      both('limit_param', 'limit_body_path');
      if (p.offset_body_path !== undefined) bodyPaths.push('offset_body_path');
      if (p.limit_body_path !== undefined) bodyPaths.push('limit_body_path');
      if (
        p.total_path === null &&
        p.maximum_offset === undefined &&
        p.has_more_path === undefined &&
        !p.stop_after_empty_page
      ) {
        issue(
          at,
          'this paginator can never stop: give total_path, maximum_offset or has_more_path, or keep stop_after_empty_page',
        );
      }
      break;
    case 'page_number':
      both('page_param', 'page_body_path');
      if (p.page_body_path !== undefined) bodyPaths.push('page_body_path');
      if (
        p.total_path === null &&
        p.maximum_page === undefined &&
        p.has_more_path === undefined &&
        !p.stop_after_empty_page
      ) {
        issue(
          at,
          'this paginator can never stop: give total_path, maximum_page or has_more_path, or keep stop_after_empty_page',
        );
      }
      break;
    default:
      break;
  }
  if ((p.type === 'offset' || p.type === 'page_number') && p.total_path !== null)
    checkPath(p.total_path, `${at}.total_path`, issue);
  if ((p.type === 'offset' || p.type === 'page_number') && p.has_more_path !== undefined)
    checkPath(p.has_more_path, `${at}.has_more_path`, issue);
  if (bodyPaths.length > 0 && method !== 'POST')
    issue(methodAt, `${bodyPaths.join(' and ')} put pagination in a JSON body: use method POST`);
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
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) if (typeof child !== 'function') deepFreeze(child);
  }
  return value;
}

function columnHints(columns: unknown): Record<string, ColumnHint> {
  const out: Record<string, ColumnHint> = {};
  if (Array.isArray(columns)) for (const c of columns as (ColumnHint & { name: string })[]) out[c.name] = c;
  else if (columns && typeof columns === 'object') Object.assign(out, columns);
  return out;
}
