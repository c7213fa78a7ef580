// Writing a resource schema's next version (docs/schemas.md, "Evolution"): the file being replaced is kept
// beside it as `<resource>.v<N>.avsc`, never edited again, and the new schema is written as version N+1.
// `schema infer` and the producer's `schema_contract` columns `evolve` both write versions this one way.
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import avro from 'avsc';
import { ErrorCode, StreamtapError } from '../errors.js';
import { historyFile, schemaVersion } from './schema-store.js';

export class SchemaHistoryError extends StreamtapError {
  readonly code = ErrorCode.SCHEMA_HISTORY;
}

/** The Avro Parsing Canonical Form (what fingerprints are computed over). */
export function canonicalForm(schema: unknown): string {
  return JSON.stringify(avro.Type.forSchema(schema as avro.Schema).schema());
}

export interface WrittenVersion {
  readonly version: number;
  /** the version before, when there was a file */
  readonly fromVersion?: number;
  /** where the previous version is kept */
  readonly history?: string;
}

/**
 * Writes `schema` to `file` as the version after `previousText`'s (1 when there was no file), keeping
 * `previousText` as the history file of its version first. The `version` attribute of `schema` is replaced.
 * Throws SchemaHistoryError when that history file already holds something else (history is never overwritten).
 */
export async function writeSchemaVersion(
  file: string,
  previousText: string | undefined,
  schema: Readonly<Record<string, unknown>>,
  target: { readonly source: string; readonly resource: string },
): Promise<WrittenVersion> {
  const fromVersion =
    previousText === undefined ? undefined : schemaVersion(JSON.parse(previousText) as { version?: unknown });
  const version = (fromVersion ?? 0) + 1;
  const { version: _old, fields, ...header } = schema;
  const output = `${JSON.stringify({ ...header, version, fields }, null, 2)}\n`;
  const history =
    fromVersion === undefined
      ? undefined
      : historyFile(dirname(dirname(file)), target.source, target.resource, fromVersion);
  await mkdir(dirname(file), { recursive: true });
  if (history && previousText !== undefined) {
    const kept = await readFile(history, 'utf8').catch(() => undefined);
    if (kept !== undefined && kept !== previousText) {
      throw new SchemaHistoryError(
        `${relative(process.cwd(), history)} already holds a different version ${fromVersion}; history files are never overwritten. ` +
          `Give ${relative(process.cwd(), file)} a "version" above every ${target.resource}.v<N>.avsc beside it, then run again.`,
      );
    }
    if (kept === undefined) await writeAtomically(history, previousText);
  }
  await writeAtomically(file, output);
  return { version, ...(fromVersion === undefined ? {} : { fromVersion }), ...(history ? { history } : {}) };
}

/** A consumer rescanning the directory never sees a half-written file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${dirname(file)}/.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}
