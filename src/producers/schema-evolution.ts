// dlt's `schema_contract` columns `evolve` (its default) while a resource is produced: a record carrying a
// field the schema does not know makes the producer write the schema file's next version, with the new
// field as `schema infer` would type it (nullable, default null: compatible both ways), the previous
// version kept as history, and publish that record and the next ones with the new writer schema. The
// consumer finds the new fingerprint in the schema directory (or registry) and adds the column
// (src/consumers/table-evolution.ts). Existing types never widen here: a value that does not fit its
// type is the `data_type` entity's business (src/avro/schema-contract.ts).
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { normalPath } from '../avro/drift-collector.js';
import type { ColumnTypeHint } from '../avro/dlt-types.js';
import { mergeSamples } from '../avro/infer.js';
import type { SchemaRegistry } from '../avro/registry.js';
import type { SchemaContract } from '../avro/schema-contract.js';
import { loadResourceCodec, withWireFormat, type ResourceCodec } from '../avro/schema-store.js';
import { writeSchemaVersion } from '../avro/schema-versions.js';
import type { Logger } from '../log.js';

export interface EvolutionTarget {
  readonly schemasDir: string;
  readonly source: string;
  /** the resource's table name: its schema file is `<schemasDir>/<source>/<table>.avsc` */
  readonly table: string;
  readonly primaryKey: readonly string[];
  /** dlt's `columns` hint: a hinted new field takes the hinted type (src/avro/dlt-types.ts) */
  readonly columns?: Readonly<Record<string, ColumnTypeHint>> | undefined;
  readonly topic: string;
  readonly contract: SchemaContract;
  /** `undefined`: from SCHEMA_REGISTRY_URL; `null`: single-object encoding */
  readonly registry?: SchemaRegistry | null | undefined;
  readonly logger: Logger;
}

export interface ColumnsEvolution {
  /** for the codec's contract: a normalized path not tried yet may be added */
  readonly evolvable: (normalPath: string) => boolean;
  /** writes the schema's next version holding the record's new fields and returns its codec */
  readonly evolve: (record: unknown, codec: ResourceCodec, paths: readonly string[]) => Promise<ResourceCodec>;
}

/**
 * One resource's schema evolution for a run. Each field path is tried once: a field the schema could not
 * gain (e.g. a key in an object the schema holds as a map) stays in `_extra` afterwards, so a record never
 * loops. One producer per resource writes its schema file (two producers evolving the same file at once
 * could both write the same next version; the second then fails with SchemaHistoryError, naming the file).
 */
export function columnsEvolution(target: EvolutionTarget): ColumnsEvolution {
  const tried = new Set<string>();
  const evolvable = (path: string): boolean => !tried.has(path);
  const evolve = async (record: unknown, codec: ResourceCodec, paths: readonly string[]): Promise<ResourceCodec> => {
    for (const path of paths) tried.add(normalPath(path));
    const merged = mergeSamples(codec.schema as never, [record], {
      name: target.table,
      namespace: `streamtap.${target.source}`,
      primaryKey: target.primaryKey,
      ...(target.columns ? { columns: target.columns } : {}),
      widen: false,
    });
    const added = merged.changes.filter((c) => c.kind === 'added');
    if (added.length === 0) return codec;
    const text = await readFile(codec.file, 'utf8');
    const written = await writeSchemaVersion(codec.file, text, merged.schema, {
      source: target.source,
      resource: target.table,
    });
    const next = await withWireFormat(
      await loadResourceCodec(target.schemasDir, target.source, target.table, {
        contract: target.contract,
        evolvable,
      }),
      target.topic,
      target.registry,
    );
    const file = relative(process.cwd(), codec.file) || codec.file;
    target.logger.warn(
      {
        file,
        version: written.version,
        history: written.history && (relative(process.cwd(), written.history) || written.history),
        added: added.map((c) => `${c.path}: ${c.to}`),
      },
      `schema_contract columns evolve: records carry ${added.length === 1 ? 'a field' : 'fields'} ${file} did not know; ` +
        `wrote version ${written.version} with ${added.map((c) => c.path).join(', ')} (v${written.fromVersion ?? 1} kept as history), ` +
        'and publish with it from now on; review and commit it',
    );
    return next;
  };
  return { evolvable, evolve };
}
