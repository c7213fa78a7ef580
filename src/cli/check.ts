// `streamtap check <config>`: validate the config, make the first request of each resource and show what
// streamtap sees (paginator, where the records are, the first records, their fields), publishing nothing.
import type { Command, Option } from 'commander';
import { selectResources } from '../config/select.js';
import type { ResolvedResource, ResolvedSource } from '../config/source.js';
import type { SecretSources } from '../config/secrets.js';
import { RestClient, type RestClientOptions } from '../rest/client.js';
import { IncrementalCursor } from '../rest/incremental.js';
import { walkPages, type ExtractedPage } from '../rest/walk.js';
import type { CommonFlags } from './context.js';

export interface CheckOptions {
  /** records to show per resource */
  readonly records?: number;
  readonly client?: Partial<RestClientOptions>;
}

export interface FieldSummary {
  readonly name: string;
  /** e.g. `string`, `integer | null`, `array<object>`, `string(date-time)` */
  readonly type: string;
  /** records of the first page that have the field */
  readonly present: number;
}

export interface ResourceCheck {
  readonly resource: string;
  readonly ok: boolean;
  readonly parent?: string | undefined;
  readonly method?: string;
  readonly url?: string;
  readonly status?: number;
  readonly paginator?: string | undefined;
  readonly dataPath?: string | undefined;
  /** records on the first page as the API sent them, and after filters */
  readonly received?: number;
  readonly kept?: number;
  readonly incremental?: string | undefined;
  readonly records: readonly unknown[];
  readonly fields: readonly FieldSummary[];
  readonly error?: string;
  /**
   * Why a run may load less than the API holds, seen on the first page: e.g. nothing detected (one page) while
   * the page is as full as the request asked for (`limit=100` and 100 records). The same text a run warns with.
   */
  readonly warnings?: readonly string[];
}

/** One request per resource (a child takes its parent's first record), nothing published. */
export async function checkSource(
  source: ResolvedSource,
  secrets: SecretSources,
  names: readonly string[] | undefined,
  options: CheckOptions = {},
): Promise<ResourceCheck[]> {
  const client = new RestClient(source, { secrets, ...options.client });
  const byName = new Map(source.resources.map((r) => [r.name, r]));
  // The first page of each resource, fetched once however many children need a parent record from it.
  const pages = new Map<string, Promise<ExtractedPage | undefined>>();
  const firstPage = (resource: ResolvedResource): Promise<ExtractedPage | undefined> => {
    let page = pages.get(resource.name);
    if (!page) pages.set(resource.name, (page = fetchFirstPage(resource)));
    return page;
  };
  const firstRecordOf = async (resource: ResolvedResource): Promise<unknown> => {
    const record = (await firstPage(resource))?.records[0];
    if (record === undefined)
      throw new Error(
        `parent "${resource.name}" returned no records on its first page, so there is nothing to resolve`,
      );
    return record;
  };
  const fetchFirstPage = async (resource: ResolvedResource): Promise<ExtractedPage | undefined> => {
    const parentRecord = resource.parent
      ? await firstRecordOf(byName.get(resource.parent.resource) as ResolvedResource)
      : undefined;
    const inc = resource.endpoint.incremental;
    const walk = walkPages(resource, client, {
      parentRecord,
      cursor: inc ? new IncrementalCursor(inc, undefined) : undefined,
    });
    try {
      const next = await walk.next();
      return next.done ? undefined : next.value;
    } finally {
      await walk.return(undefined);
    }
  };

  const results: ResourceCheck[] = [];
  try {
    for (const resource of selectResources(source, names)) {
      const inc = resource.endpoint.incremental;
      const incremental = inc
        ? `${String(inc.cursorPath)} from ${JSON.stringify(inc.initialValue ?? null)} (initial_value; a producer resumes from its saved state)${inc.endValue !== undefined ? ` to ${JSON.stringify(inc.endValue)}` : ''}`
        : undefined;
      try {
        const page = await firstPage(resource);
        const records = page?.records ?? [];
        results.push({
          resource: resource.name,
          ok: true,
          parent: resource.parent?.resource,
          method: resource.endpoint.method,
          url: page?.url,
          status: page?.status,
          paginator: page?.paginator,
          dataPath: page?.dataPath,
          received: page?.received,
          kept: records.length,
          incremental,
          records: records.slice(0, options.records ?? 3),
          fields: summarizeFields(records),
          ...(page?.warnings?.length ? { warnings: page.warnings } : {}),
        });
      } catch (error) {
        results.push({
          resource: resource.name,
          ok: false,
          parent: resource.parent?.resource,
          incremental,
          records: [],
          fields: [],
          error: (error as Error).message,
        });
      }
    }
  } finally {
    await client.close();
  }
  return results;
}

/** The named resources, or every selected one (as `produce` picks them). */
/** Field names and the JSON types seen for them across the records. */
export function summarizeFields(records: readonly unknown[]): FieldSummary[] {
  const fields = new Map<string, { types: Set<string>; present: number }>();
  for (const record of records) {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) continue;
    for (const [name, value] of Object.entries(record)) {
      const f = fields.get(name) ?? { types: new Set<string>(), present: 0 };
      f.types.add(jsonType(value));
      f.present++;
      fields.set(name, f);
    }
  }
  return [...fields.entries()].map(([name, f]) => ({
    name,
    type: [...f.types].sort((a, b) => (a === 'null' ? 1 : b === 'null' ? -1 : a.localeCompare(b))).join(' | '),
    present: f.present,
  }));
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const inner = [...new Set(value.map(jsonType))];
    return `array<${inner.length === 0 ? 'empty' : inner.join(' | ')}>`;
  }
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return 'string(date-time)';
  return typeof value;
}

export function formatCheck(results: readonly ResourceCheck[]): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(
      `${r.resource}: ${r.ok ? 'ok' : 'FAILED'}${r.parent ? ` (child of ${r.parent}: first parent record)` : ''}`,
    );
    if (r.url) out.push(`  request     ${r.method} ${r.url} → HTTP ${r.status}`);
    if (r.paginator) out.push(`  paginator   ${r.paginator}`);
    if (r.dataPath !== undefined)
      out.push(
        `  records at  ${r.dataPath} (${r.received ?? 0} on the first page${r.kept !== r.received ? `, ${r.kept} after incremental and processing steps` : ''})`,
      );
    if (r.incremental) out.push(`  incremental ${r.incremental}`);
    if (r.error) out.push(`  error       ${r.error}`);
    for (const w of r.warnings ?? []) out.push(`  WARNING     possible partial load: ${w}`);
    if (r.fields.length > 0) {
      out.push('  schema');
      const width = Math.max(...r.fields.map((f) => f.name.length));
      for (const f of r.fields)
        out.push(
          `    ${f.name.padEnd(width)}  ${f.type}${f.present < (r.kept ?? 0) ? `  (in ${f.present} of ${r.kept})` : ''}`,
        );
    }
    if (r.records.length > 0) {
      out.push(`  first ${r.records.length} record${r.records.length === 1 ? '' : 's'}`);
      for (const record of r.records) {
        const text = JSON.stringify(record);
        out.push(`    ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`);
      }
    }
    out.push('');
  }
  const failed = results.filter((r) => !r.ok).length;
  out.push(
    failed === 0
      ? `${results.length} resource(s) checked; nothing was published`
      : `${failed} of ${results.length} resource(s) failed; nothing was published`,
  );
  return out.join('\n');
}

/** Adds `streamtap check` to the program; `common` adds the shared config and connection flags. */
export function registerCheckCommand(
  program: Command,
  common: (cmd: Command) => Command,
  mockApiOption?: Option,
): void {
  const cmd = common(program.command('check'))
    .description(
      'validate the config, make the first request of each resource and print the paginator, the record path, the first records and their fields; publishes nothing',
    )
    .option('--records <n>', 'records to print per resource', '3');
  if (mockApiOption) cmd.addOption(mockApiOption);
  cmd.action(async (config: string | undefined, flags: CommonFlags & { records: string; mockApi?: boolean }) => {
    // Loaded here, not at the top: the CLI parses faster, and check itself needs neither Kafka nor ClickHouse.
    const { createContext } = await import('./context.js');
    const { withStandIn } = await import('./commands.js');
    let context = await createContext(config, flags);
    const standIn = flags.mockApi ? await withStandIn(context) : undefined;
    if (standIn) context = standIn.context;
    try {
      const results = await checkSource(context.source, context.secrets, flags.resource, {
        records: Number(flags.records),
      });
      console.log(formatCheck(results));
      process.exitCode = results.every((r) => r.ok) ? 0 : 1;
    } finally {
      await standIn?.api.close();
    }
  });
}
