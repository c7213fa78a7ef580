// A validated, defaults-applied, frozen view of a source config: what the rest of streamtap reads.
// The zod schema checks each key; this module checks what spans keys (placeholders against params,
// parents against resources, paginators that could never stop) and names the path of every problem.
// The steps are named as in dlt's rest_api config_setup; param binding lives in bind.ts, per-value checks in
// checks.ts.
import type {
  AuthConfig,
  DataSelector,
  PaginatorConfig,
  RateLimitConfig,
  ResponseAction,
  SecretRef,
  SourceConfigParsed,
  WriteDisposition,
} from './schema.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { isSingleEntityPath } from './single-entity.js';
import { NO_MEANING_HINTS } from './schema.js';
import { checkPaginator, checkPath, type Report } from './checks.js';
import {
  bindParams,
  bindPathParams,
  collectPlaceholders,
  placeholderContexts,
  type Locate,
  type PartialEndpoint,
  type ResolvedIncremental,
  type Scalar,
} from './bind.js';

export type { ResolvedIncremental, Scalar } from './bind.js';

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

type ResourceConfig = Exclude<SourceConfigParsed['resources'][number], string>;
type ResourceDefaults = NonNullable<SourceConfigParsed['resource_defaults']>;

const DEFAULT_CHILD_CONCURRENCY = 4;

/** What every resource's resolution reads and writes: the source, the resource names, and the collected output. */
interface SourceScope {
  readonly parsed: SourceConfigParsed;
  readonly defaults: ResourceDefaults;
  /** every resource name, to check parents against */
  readonly names: ReadonlySet<string>;
  /** names resolved so far, to find duplicates */
  readonly seen: Set<string>;
  readonly issue: Report;
  readonly warnings: string[];
}

/**
 * Validates a parsed source config across keys and applies defaults, as dlt's rest_api does when it sets up a
 * source: resource_defaults merged into each resource, params bound, placeholders checked, one parent per
 * resource, parent chains that end, paginators that can stop.
 * @param parsed the zod-parsed config
 * @param name the source name when the config gives none
 * @param origin where the config came from, for the error
 * @returns a deep-frozen ResolvedSource; its `warnings` list dlt keys that are accepted but change nothing
 * @throws ConfigError with every problem found, each at its config path, resource by resource
 */
export function resolveSource(parsed: SourceConfigParsed, name: string, origin: string): ResolvedSource {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  // The same problem can be reached twice (a default shared by resources): report it once.
  const issue: Report = (path, message) => {
    if (!issues.some((i) => i.path === path && i.message === message)) issues.push({ path, message });
  };
  const scope: SourceScope = {
    parsed,
    defaults: parsed.resource_defaults ?? {},
    names: new Set(parsed.resources.map((r) => (typeof r === 'string' ? nameOfPathResource(r) : r.name))),
    seen: new Set<string>(),
    issue,
    warnings,
  };
  const resources = parsed.resources.map((entry, index) => resolveResource(entry, index, scope));
  checkParentCycles(resources, issue);

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

/**
 * One resource, resolved in dlt's order: name checks, resource_defaults merged into the endpoint, params bound,
 * path params bound, placeholders collected, parent found, paginator and data_selector checked, disposition and
 * hints. Problems go to `scope.issue`, compatibility notes to `scope.warnings`.
 */
function resolveResource(
  entry: SourceConfigParsed['resources'][number],
  index: number,
  scope: SourceScope,
): ResolvedResource {
  const { parsed, defaults, issue } = scope;
  const at = `resources[${index}]`;
  let resource: ResourceConfig = typeof entry === 'string' ? { name: entry } : entry;
  if (typeof entry === 'string' && !NAME.test(entry)) {
    // dlt takes a bare string as both the name and the path ("/users/active"); here the name becomes a topic and a
    // table, so it is made of the path's words, and said once.
    const name = nameOfPathResource(entry);
    if (!NAME.test(name)) {
      issue(at, `"${entry}" is not a resource name: letters, digits and _ (it names a topic and a table)`);
    } else {
      resource = { name, endpoint: entry };
      scope.warnings.push(
        `${at}: the resource "${entry}" is named "${name}" (topic and table names allow letters, digits and _); its path stays "${entry}"`,
      );
    }
  }
  if (scope.seen.has(resource.name)) issue(`${at}.name`, `duplicate resource name "${resource.name}"`);
  scope.seen.add(resource.name);

  const own: PartialEndpoint =
    typeof resource.endpoint === 'string' ? { path: resource.endpoint } : (resource.endpoint ?? {});
  const base: PartialEndpoint = defaults.endpoint ?? {};
  const endpoint = mergeEndpoint(base, own);
  if (endpoint.data !== undefined && endpoint.json !== undefined)
    issue(`${at}.endpoint.data`, 'give data or json, not both (dlt refuses both)');
  const where = locateEndpointKey(at, base, own);

  const method = endpoint.method ?? 'GET';
  let dataSelector = endpoint.data_selector ?? undefined;
  let endpointPaginator = endpoint.paginator ?? undefined;
  // dlt (setup_single_entity_endpoint): a path whose last segment holds a placeholder names one entity: the body
  // is the record and there is one page, unless the endpoint (or resource_defaults) names a paginator; the
  // client's paginator does not apply to it.
  const configuredPath = endpoint.path ?? resource.name;
  if (isSingleEntityPath(configuredPath)) {
    dataSelector ??= '$';
    endpointPaginator ??= { type: 'single_page' };
  }
  const paginator: PaginatorConfig | undefined = endpointPaginator ?? parsed.client.paginator ?? undefined;

  const bindings = bindParams(parsed.client.params, endpoint, where, issue);
  const contexts = placeholderContexts(bindings.incremental);
  const { path, params } = bindPathParams(configuredPath, bindings, contexts, where('path'), issue);
  const expressions = collectPlaceholders(
    path,
    { params, json: endpoint.json, data: endpoint.data, headers: endpoint.headers },
    contexts,
    where,
    issue,
  );
  const parent = resolveParent(expressions, resource, at, scope);

  if (paginator)
    checkPaginator(paginator, where('paginator'), method, `${at}.endpoint.method`, issue, (w) =>
      scope.warnings.push(w),
    );
  if (dataSelector !== undefined) checkPath(dataSelector, where('data_selector'), issue, true);

  const pk = resource.primary_key ?? defaults.primary_key;
  const writeDisposition = checkDisposition(resource, defaults, pk, at, issue);
  const tableName = resource.table_name ?? defaults.table_name;
  scope.warnings.push(...compatibilityWarnings(resource, defaults, at));
  const mergeKey = resource.merge_key ?? defaults.merge_key;
  const contract = resource.schema_contract ?? defaults.schema_contract ?? 'evolve';
  const steps = resource.processing_steps ?? defaults.processing_steps ?? [];
  const parallel = resource.parallelized ?? defaults.parallelized;
  return {
    name: resource.name,
    tableName: typeof tableName === 'string' ? tableName : resource.name,
    primaryKey: pk === undefined ? [] : typeof pk === 'string' ? [pk] : [...pk],
    mergeKey: mergeKey === undefined ? [] : typeof mergeKey === 'string' ? [mergeKey] : [...mergeKey],
    columns: mergeColumnHints(columnHints(defaults.columns), columnHints(resource.columns)),
    schemaContract:
      typeof contract === 'string'
        ? { tables: contract, columns: contract, data_type: contract }
        : {
            tables: contract.tables ?? 'evolve',
            columns: contract.columns ?? 'evolve',
            data_type: contract.data_type ?? 'evolve',
          },
    writeDisposition,
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
      incremental: bindings.incremental,
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
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A resource given as a bare path (`"/protected/posts"`) is named by its words: `protected_posts`. */
function nameOfPathResource(entry: string): string {
  if (NAME.test(entry)) return entry;
  return entry
    .split(/[?#]/)[0]!
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * resource_defaults.endpoint merged with a resource's endpoint, as dlt merges them: shallowly, except params and
 * json, which merge one level deep. An explicit null (`"paginator": null`) replaces the default, and then means
 * "not set" (dlt's dict update, then `is None`).
 */
function mergeEndpoint(base: PartialEndpoint, own: PartialEndpoint): PartialEndpoint {
  return {
    ...base,
    ...own,
    params: { ...base.params, ...own.params },
    json: base.json || own.json ? { ...base.json, ...own.json } : undefined,
  };
}

/** Problems name the key where the user wrote it: the resource, resource_defaults, or the client (paginator). */
function locateEndpointKey(at: string, base: PartialEndpoint, own: PartialEndpoint): Locate {
  return (key) =>
    own[key] !== undefined
      ? `${at}.endpoint.${key}`
      : base[key] !== undefined
        ? `resource_defaults.endpoint.${key}`
        : key === 'paginator'
          ? 'client.paginator'
          : `${at}.endpoint.${key}`;
}

/**
 * The parent a resource's `{resources.<parent>.<field>}` placeholders name (dlt's find_resolved_params): at most
 * one, defined, and not the resource itself. include_from_parent without a parent is a problem.
 */
function resolveParent(
  expressions: ReadonlySet<string>,
  resource: ResourceConfig,
  at: string,
  scope: SourceScope,
): ResolvedParent | undefined {
  const { names, issue } = scope;
  const parents = new Set(
    [...expressions].filter((e) => e.startsWith('resources.')).map((e) => e.split('.')[1] as string),
  );
  if (parents.size > 1) {
    issue(`${at}.endpoint`, `a resource can have one parent; placeholders name ${[...parents].join(', ')}`);
    return undefined;
  }
  if (parents.size === 1) {
    const parentName = [...parents][0] as string;
    if (parentName === resource.name) issue(`${at}.endpoint`, `resource "${resource.name}" cannot be its own parent`);
    else if (!names.has(parentName))
      issue(
        `${at}.endpoint`,
        `parent resource "${parentName}" is not defined; resources are: ${[...names].join(', ')}`,
      );
    return {
      resource: parentName,
      includeFromParent: resource.include_from_parent ?? scope.defaults.include_from_parent ?? [],
    };
  }
  if (resource.include_from_parent !== undefined && resource.include_from_parent.length > 0) {
    issue(
      `${at}.include_from_parent`,
      'include_from_parent needs a parent resource (a resolve param or a {resources.<parent>.<field>} placeholder)',
    );
  }
  return undefined;
}

/**
 * The write disposition's name; dlt's default is append. Without a key a resource appends; merge and replace
 * need a key to know what replaces what, so they are a problem without one.
 */
function checkDisposition(
  resource: ResourceConfig,
  defaults: ResourceDefaults,
  pk: ResourceConfig['primary_key'],
  at: string,
  issue: Report,
): ResolvedResource['writeDisposition'] {
  const disposition = resource.write_disposition ?? defaults.write_disposition;
  const dispositionName =
    disposition === undefined ? 'append' : typeof disposition === 'string' ? disposition : disposition.disposition;
  if (pk === undefined && dispositionName !== 'append') {
    issue(
      `${at}.write_disposition`,
      `${dispositionName} needs a primary_key (here or in resource_defaults) to know which rows replace which; without one, use append`,
    );
  }
  return dispositionName;
}

/** dlt hints accepted so dlt configs load, but which change nothing here: one warning each. */
function compatibilityWarnings(resource: ResourceConfig, defaults: ResourceDefaults, at: string): string[] {
  const warnings: string[] = [];
  const tableName = resource.table_name ?? defaults.table_name;
  if (typeof tableName === 'function')
    warnings.push(
      `${at}.table_name: a function is accepted for dlt compatibility but not applied: every record of "${resource.name}" goes to its one topic and table`,
    );
  for (const hint of NO_MEANING_HINTS) {
    const where = (resource as Record<string, unknown>)[hint] !== undefined ? at : 'resource_defaults';
    if (
      (resource as Record<string, unknown>)[hint] !== undefined ||
      (defaults as Record<string, unknown>)[hint] !== undefined
    )
      warnings.push(
        `${where}.${hint}: accepted for dlt compatibility; it has no meaning for a Kafka topic and a ClickHouse table`,
      );
  }
  return warnings;
}

/** A parent chain must end: a → b → a would wait on itself forever. Reported at each resource on a cycle. */
function checkParentCycles(resources: readonly ResolvedResource[], issue: Report): void {
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) if (typeof child !== 'function') deepFreeze(child);
  }
  return value;
}

/**
 * A resource's columns over `resource_defaults`' columns, hint by hint within a column: dlt's
 * `_merge_resource_endpoints` (dlt/sources/rest_api/config_setup.py, `merge_columns`).
 */
function mergeColumnHints(
  defaults: Record<string, ColumnHint>,
  own: Record<string, ColumnHint>,
): Record<string, ColumnHint> {
  const out: Record<string, ColumnHint> = { ...defaults };
  for (const [name, hint] of Object.entries(own)) out[name] = { ...defaults[name], ...hint };
  return out;
}

function columnHints(columns: unknown): Record<string, ColumnHint> {
  const out: Record<string, ColumnHint> = {};
  if (Array.isArray(columns)) for (const c of columns as (ColumnHint & { name: string })[]) out[c.name] = c;
  else if (columns && typeof columns === 'object') Object.assign(out, columns);
  return out;
}
