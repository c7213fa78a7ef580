// `streamtap schema infer`: sample the API and write or widen schemas/<source>/<resource>.avsc.
//
// An existing schema is the starting point: the samples can only add fields and widen types, never
// remove or narrow (src/avro/infer.ts). When the result differs from the file (in its Avro canonical
// form; docs and defaults alone do not count), the old file is kept as `<resource>.v<N>.avsc` and the
// new one written as version N+1, so messages written with any version still decode.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { canonicalForm, SchemaHistoryError, writeSchemaVersion } from '../avro/schema-versions.js';
import type { ColumnTypeHint } from '../avro/dlt-types.js';
import { mergeSamples, type SchemaChange } from '../avro/infer.js';
import {
  primaryKeyFields,
  PrimaryKeyFieldError,
  sourceName as sourceNameOf,
  UnmappableNameError,
} from '../avro/names.js';
import { historyFile, schemaFile, schemaVersion, type AvroRecordSchema } from '../avro/schema-store.js';
import { selectResources } from '../config/select.js';
import { RestClient } from '../rest/client.js';
import { extractPages } from '../rest/extract.js';
import type { Context } from './context.js';

export interface InferResult {
  readonly resource: string;
  readonly file: string;
  readonly records: number;
  readonly action: 'created' | 'updated' | 'unchanged' | 'would create' | 'would update';
  /** the version before, when there was a file */
  readonly fromVersion?: number;
  readonly version: number;
  readonly changes: readonly SchemaChange[];
  readonly notes: readonly string[];
  /** where the previous version was kept */
  readonly history?: string;
}

export interface InferOptions {
  /** show what would change, write nothing */
  readonly dryRun?: boolean;
}

export { SchemaHistoryError };

export async function inferSchemas(
  ctx: Pick<Context, 'source' | 'secrets' | 'schemasDir'>,
  resources: readonly string[] | undefined,
  pages: number,
  options: InferOptions = {},
): Promise<InferResult[]> {
  if (!Number.isSafeInteger(pages) || pages < 1) throw new Error(`--pages must be a positive integer, got ${pages}`);
  const client = new RestClient(ctx.source, { secrets: ctx.secrets });
  const results: InferResult[] = [];
  try {
    for (const resource of selectResources(ctx.source, resources)) {
      const samples: unknown[] = [];
      for await (const page of extractPages(resource, client, { maxPages: Number.MAX_SAFE_INTEGER })) {
        samples.push(...page.records);
        if (page.number >= pages) break;
      }
      const file = schemaFile(ctx.schemasDir, ctx.source.name, resource.tableName);
      results.push(
        await writeInferred(
          file,
          samples,
          {
            source: ctx.source.name,
            resource: resource.tableName,
            primaryKey: resource.primaryKey,
            columns: resource.columns,
          },
          options,
          resource.name,
        ),
      );
    }
  } finally {
    await client.close();
  }
  return results;
}

/** Merges samples into the schema file (or creates it); the part of `schema infer` after sampling. */
export async function writeInferred(
  file: string,
  samples: readonly unknown[],
  target: {
    readonly source: string;
    readonly resource: string;
    readonly primaryKey: readonly string[];
    /** dlt's columns hint: a data_type beats inference */
    readonly columns?: Readonly<Record<string, ColumnTypeHint>>;
  },
  options: InferOptions = {},
  label = target.resource,
): Promise<InferResult> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  const existing = text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
  let merged: ReturnType<typeof mergeSamples>;
  try {
    merged = mergeSamples(existing, samples, {
      name: target.resource,
      namespace: `streamtap.${target.source}`,
      primaryKey: target.primaryKey,
      doc: `${target.source}.${target.resource}: inferred by streamtap schema infer`,
      ...(target.columns ? { columns: target.columns } : {}),
    });
  } catch (error) {
    if (error instanceof UnmappableNameError)
      error.message = `${label}: ${error.message}; nothing was written (docs/schemas.md, "Field names")`;
    throw error;
  }
  try {
    primaryKeyFields(merged.schema as unknown as AvroRecordSchema, target.primaryKey, relative(process.cwd(), file));
  } catch (error) {
    // A schema without its key would only fail later, in the consumer: stop here and write nothing.
    if (!(error instanceof PrimaryKeyFieldError)) throw error;
    const missing = target.primaryKey.filter(
      (key) => !(merged.schema.fields as { name: string }[]).some((f) => sourceNameOf(f) === key),
    );
    throw new PrimaryKeyFieldError(
      `${label}: primary key ${missing.map((k) => JSON.stringify(k)).join(', ')} is in none of the ${samples.length} sampled records ` +
        `and not in ${relative(process.cwd(), file) || file}; nothing was written. Check the resource's primary_key ` +
        '(it names the API field, e.g. "member-id"), or sample more pages with --pages.',
    );
  }
  const fromVersion = existing ? schemaVersion(existing) : undefined;
  const base = { resource: label, file, records: samples.length, changes: merged.changes, notes: merged.notes };
  if (existing && canonicalForm(existing) === canonicalForm(merged.schema))
    return { ...base, action: 'unchanged', fromVersion, version: fromVersion ?? 1 };

  const version = (fromVersion ?? 0) + 1;
  const history =
    fromVersion === undefined
      ? undefined
      : historyFile(dirname(dirname(file)), target.source, target.resource, fromVersion);
  if (options.dryRun)
    return {
      ...base,
      action: existing ? 'would update' : 'would create',
      fromVersion,
      version,
      ...(history ? { history } : {}),
    };
  const written = await writeSchemaVersion(file, text, merged.schema, target);
  return { ...base, action: existing ? 'updated' : 'created', ...written };
}

/** The diff `schema infer` prints: one block per resource, one line per change. */
export function formatInferResults(results: readonly InferResult[], cwd = process.cwd()): string {
  const lines: string[] = [];
  for (const r of results) {
    const file = relative(cwd, r.file) || r.file;
    const versions =
      r.fromVersion === undefined
        ? `v${r.version}`
        : r.fromVersion === r.version
          ? `v${r.version}`
          : `v${r.fromVersion} → v${r.version}`;
    lines.push(`${r.resource}: ${file} ${versions}, ${r.action} (${r.records} records sampled)`);
    if (r.history && (r.action === 'updated' || r.action === 'would update'))
      lines.push(
        `  v${r.fromVersion} ${r.action === 'updated' ? 'kept' : 'would be kept'} as ${relative(cwd, r.history)}`,
      );
    const width = Math.max(0, ...r.changes.map((c) => c.path.length));
    for (const c of r.action === 'unchanged' ? [] : r.changes) {
      if (c.kind === 'added')
        lines.push(
          `  + ${c.path.padEnd(width)}  ${c.to}${c.sourceName ? `  (from ${JSON.stringify(c.sourceName)})` : ''}`,
        );
      else {
        const warning = c.tableFollows
          ? ''
          : '  (the ClickHouse column cannot follow: the consumer will stop this table; see docs/schemas.md)';
        lines.push(`  ~ ${c.path.padEnd(width)}  ${c.from} → ${c.to}${warning}`);
      }
    }
    for (const note of r.notes) lines.push(`  note: ${note}`);
  }
  return lines.join('\n');
}

/**
 * dlt infers a table's schema from the data itself; a pasted dlt config has no schema files. Before `run` and
 * `produce`, every selected resource without `schemas/<source>/<table>.avsc` gets one inferred from its first
 * `pages` pages (one walk of those pages, which the run then requests again), written where `schema infer`
 * writes it and logged, so the run goes on and the file can be reviewed and committed.
 */
export async function inferMissingSchemas(
  ctx: Pick<Context, 'source' | 'secrets' | 'schemasDir' | 'logger'>,
  resources: readonly string[] | undefined,
  pages = 1,
): Promise<InferResult[]> {
  // dlt creates a new table only under `schema_contract` tables `evolve`; with any other mode such a resource
  // is left without a schema, and `produce` refuses it naming the file and the contract.
  const missing = selectResources(ctx.source, resources).filter(
    (r) =>
      r.schemaContract.tables === 'evolve' && !existsSync(schemaFile(ctx.schemasDir, ctx.source.name, r.tableName)),
  );
  if (missing.length === 0) return [];
  const results = await inferSchemas(
    ctx,
    missing.map((r) => r.name),
    pages,
  );
  for (const r of results)
    ctx.logger.warn(
      { resource: r.resource, file: r.file, records: r.records, version: r.version },
      `no schema file for resource "${r.resource}": inferred one from its first ${pages === 1 ? 'page' : `${pages} pages`} ` +
        `(${r.records} records) and wrote ${shortPath(r.file)}; review and commit it`,
    );
  return results;
}

function shortPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}
