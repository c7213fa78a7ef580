// `streamtap schema infer`: sample the API and write schemas/<source>/<resource>.avsc.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { inferSchema } from '../avro/infer.js';
import { schemaFile } from '../avro/schema-store.js';
import { selectResources } from '../producers/produce.js';
import { RestClient } from '../rest/client.js';
import { extractPages } from '../rest/extract.js';
import type { Context } from './context.js';

export interface InferResult {
  readonly resource: string;
  readonly file: string;
  readonly records: number;
  readonly action: 'written' | 'unchanged' | 'kept (exists; use --force to replace)';
}

export async function inferSchemas(ctx: Context, resources: readonly string[] | undefined, pages: number, force: boolean): Promise<InferResult[]> {
  const client = new RestClient(ctx.source, { secrets: ctx.secrets });
  const results: InferResult[] = [];
  try {
    for (const resource of selectResources(ctx.source, resources)) {
      const samples: unknown[] = [];
      for await (const page of extractPages(resource, client, { maxPages: Number.MAX_SAFE_INTEGER })) {
        samples.push(...page.records);
        if (page.number >= pages) break;
      }
      const schema = inferSchema(samples, {
        name: resource.tableName,
        namespace: `streamtap.${ctx.source.name}`,
        primaryKey: resource.primaryKey,
        doc: `${ctx.source.name}.${resource.tableName}: inferred by streamtap schema infer from ${samples.length} records`,
      });
      const file = schemaFile(ctx.schemasDir, ctx.source.name, resource.tableName);
      const text = `${JSON.stringify(schema, null, 2)}\n`;
      const existing = await readFile(file, 'utf8').catch(() => undefined);
      let action: InferResult['action'];
      if (existing === text) action = 'unchanged';
      else if (existing !== undefined && !force) action = 'kept (exists; use --force to replace)';
      else {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, text);
        action = 'written';
      }
      results.push({ resource: resource.name, file, records: samples.length, action });
    }
  } finally {
    await client.close();
  }
  return results;
}
