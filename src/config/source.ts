// A validated, defaults-applied, frozen view of a source config: what the rest of streamtap reads.
import type { AuthConfig, DataSelector, EndpointConfig, PaginatorConfig, SourceConfigParsed, WriteDisposition } from './schema.js';
import { ConfigError, type ConfigIssue } from './errors.js';

export type Scalar = string | number | boolean | null;

export interface ResolvedEndpoint {
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly params: Readonly<Record<string, Scalar>>;
  readonly dataSelector: DataSelector | undefined;
  readonly paginator: PaginatorConfig | undefined;
}

export interface ResolvedResource {
  readonly name: string;
  readonly tableName: string;
  readonly primaryKey: readonly string[];
  readonly writeDisposition: WriteDisposition;
  readonly selected: boolean;
  readonly endpoint: ResolvedEndpoint;
}

export interface ResolvedSource {
  readonly name: string;
  readonly baseUrl: string;
  readonly auth: AuthConfig | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly resources: readonly ResolvedResource[];
}

export function resolveSource(parsed: SourceConfigParsed, name: string, origin: string): ResolvedSource {
  const issues: ConfigIssue[] = [];
  const defaults = parsed.resource_defaults ?? {};
  const seen = new Set<string>();
  const resources = parsed.resources.map((entry, index): ResolvedResource => {
    const resource = typeof entry === 'string' ? { name: entry } : entry;
    const at = `resources[${index}]`;
    const endpoint: Partial<EndpointConfig> | undefined =
      typeof resource.endpoint === 'string' ? { path: resource.endpoint } : resource.endpoint;
    const pk = resource.primary_key ?? defaults.primary_key;
    if (seen.has(resource.name)) issues.push({ path: `${at}.name`, message: `duplicate resource name "${resource.name}"` });
    seen.add(resource.name);
    if (pk === undefined) {
      issues.push({
        path: `${at}.primary_key`,
        message: 'a primary key is required (here or in resource_defaults): it is the Kafka message key and the ClickHouse ORDER BY',
      });
    }
    return {
      name: resource.name,
      tableName: resource.table_name ?? resource.name,
      primaryKey: pk === undefined ? [] : typeof pk === 'string' ? [pk] : [...pk],
      // dlt's default disposition is append.
      writeDisposition: resource.write_disposition ?? defaults.write_disposition ?? 'append',
      selected: resource.selected ?? defaults.selected ?? true,
      endpoint: {
        path: endpoint?.path ?? defaults.endpoint?.path ?? resource.name,
        method: endpoint?.method ?? defaults.endpoint?.method ?? 'GET',
        params: { ...defaults.endpoint?.params, ...endpoint?.params },
        dataSelector: endpoint?.data_selector ?? defaults.endpoint?.data_selector,
        paginator: endpoint?.paginator ?? defaults.endpoint?.paginator ?? parsed.client.paginator,
      },
    };
  });
  if (issues.length > 0) throw new ConfigError(origin, issues);
  return deepFreeze({
    name: parsed.name ?? name,
    baseUrl: parsed.client.base_url.replace(/\/+$/, ''),
    auth: parsed.client.auth,
    headers: parsed.client.headers ?? {},
    resources,
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
