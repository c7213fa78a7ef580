// Resource schemas live in `schemas/<source>/<resource>.avsc`, reviewed and versioned like code.
//
// History: the file holds the current version (a top-level `"version": N` attribute, 1 when absent).
// When `schema infer` changes it, the previous version is kept beside it as `<resource>.v<N-1>.avsc`,
// never edited again, so messages written with any earlier version still decode. Producers write with
// the current version; decoders know every version's fingerprint (docs/schemas.md).
import { ErrorCode, StreamtapError } from '../errors.js';
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { Type } from 'avsc';
import { stringifyExact } from '../json/exact-json.js';
import { avroType } from './exact-long.js';
import { confluentEncoder, confluentHeader, isConfluentFramed, readConfluent } from './confluent.js';
import { schemaDrift } from './drift.js';
import { assertEnvelope, ENVELOPE_NAMES } from './envelope.js';
import { compileShaper, type RecordShaper } from './record-shaper.js';
import { compileRecordWriter, UnsupportedValue, type DriftSettler, type RecordWriter } from './record-writer.js';
import { compileContract, DEFAULT_SCHEMA_CONTRACT, type SchemaContract } from './schema-contract.js';
import { schemaRegistryFromEnv, SchemaRegistryError, type SchemaRegistry } from './registry.js';
import {
  readSingleObject,
  schemaFingerprint,
  singleObjectEncoder,
  singleObjectHeader,
  AvroDecodeError,
  SINGLE_OBJECT_MARKER,
} from './single-object.js';

export interface AvroRecordSchema {
  readonly type: 'record';
  readonly name: string;
  readonly namespace?: string;
  readonly doc?: string;
  /** streamtap's version counter of the file; not part of the Avro canonical form */
  readonly version?: number;
  readonly fields: readonly { name: string; type: unknown; default?: unknown; doc?: string }[];
}

/** A schema some message may have been written with. */
export interface WriterSchema {
  readonly source: string;
  readonly resource: string;
  /** the file it came from, or `schema registry id N` */
  readonly file: string;
  readonly version: number;
  readonly schema: AvroRecordSchema;
  readonly type: Type;
  readonly fingerprint: bigint;
}

export interface ResourceCodec extends WriterSchema {
  /** API record → schema-fitting value plus what did not fit (counted in `schemaDrift`) */
  readonly shape: RecordShaper;
  /** full record (with envelope) → message bytes: single-object encoding, or Confluent framing with a registry */
  readonly encode: (value: unknown) => Buffer;
  /**
   * API record + envelope → message bytes and its `_extra`: `shape`, the schema contract, then `encode`, in
   * one walk where it can. Throws what the contract throws (src/avro/schema-contract.ts).
   */
  readonly write: RecordWriter;
  /** the schema contract as `write` applies it, counting in `schemaDrift` what it keeps and drops */
  readonly settle: DriftSettler;
}

/** How a codec's `write` treats a record that does not fit its schema exactly. */
export interface CodecOptions {
  /**
   * the resource's dlt `schema_contract`
   * @default every entity `evolve`, nothing evolvable: drift is kept in `_extra`
   */
  readonly contract?: SchemaContract | undefined;
  /**
   * whether `columns: evolve` may add the field at a normalized path to the schema (the producer then writes
   * the schema's next version); without it unknown fields stay in `_extra`
   * @default none
   */
  readonly evolvable?: ((normalPath: string) => boolean) | undefined;
}

export class SchemaMissingError extends StreamtapError {
  readonly code = ErrorCode.SCHEMA_MISSING;
}

export function schemaFile(schemasDir: string, source: string, resource: string): string {
  return join(schemasDir, source, `${resource}.avsc`);
}

/** Where version `version` of a resource's schema is kept once a newer one replaced it. */
export function historyFile(schemasDir: string, source: string, resource: string, version: number): string {
  return join(schemasDir, source, `${resource}.v${version}.avsc`);
}

export function schemaVersion(schema: { readonly version?: unknown }): number {
  const v = Number(schema.version ?? 1);
  return Number.isSafeInteger(v) && v >= 1 ? v : 1;
}

const HISTORY_NAME = /^(.+)\.v(\d+)\.avsc$/;

export async function readSchemaFile(file: string): Promise<AvroRecordSchema> {
  const schema = JSON.parse(await readFile(file, 'utf8')) as AvroRecordSchema;
  assertEnvelope(schema, file);
  return schema;
}

export function writerSchema(schema: AvroRecordSchema, source: string, resource: string, file: string): WriterSchema {
  const type = avroType(schema);
  return { source, resource, file, version: schemaVersion(schema), schema, type, fingerprint: schemaFingerprint(type) };
}

/** The current schema file of a resource as a codec. Throws SchemaMissingError naming the file when there is none. */
export async function loadResourceCodec(
  schemasDir: string,
  source: string,
  resource: string,
  options: CodecOptions = {},
): Promise<ResourceCodec> {
  const file = schemaFile(schemasDir, source, resource);
  let schema: AvroRecordSchema;
  try {
    schema = await readSchemaFile(file);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
    throw new SchemaMissingError(
      `no Avro schema for resource "${resource}" of source "${source}": expected ${relative(process.cwd(), file) || file} ` +
        `(write it with \`streamtap schema infer <config> --resource ${resource}\`)`,
    );
  }
  const writer = writerSchema(schema, source, resource, file);
  const shaper = compileShaper(schema as never, ENVELOPE_NAMES);
  const shape: RecordShaper = (record) => {
    const shaped = shaper(record);
    if (shaped.extra) schemaDrift.record(source, resource, shaped.extra);
    return shaped;
  };
  const encode = singleObjectEncoder(writer.type);
  const contract = compileContract(options.contract ?? DEFAULT_SCHEMA_CONTRACT, {
    file: relative(process.cwd(), file) || file,
    evolvable: options.evolvable,
  });
  const settle: DriftSettler = (drift) => {
    const settled = contract(drift);
    if (settled.extra) schemaDrift.record(source, resource, settled.extra);
    if (settled.discarded.length > 0) schemaDrift.discard(source, resource, settled.discarded);
    return settled;
  };
  const codec = { ...writer, shape, encode, settle };
  return { ...codec, write: recordWriter(codec, shaper, encode, singleObjectHeader(writer.type)) };
}

/** The one-walk writer when the schema allows it (record-writer.ts), and shaping then `encode` for the rest. */
function recordWriter(
  codec: WriterSchema & { readonly settle: DriftSettler },
  shaper: RecordShaper,
  encode: (value: unknown) => Buffer,
  header: Buffer,
): RecordWriter {
  const slow: RecordWriter = (record, envelope) => {
    const { value, drift } = shaper(record);
    const settled = drift.empty ? undefined : codec.settle(drift);
    const extra = settled ? settled.extra : null;
    value._extra = extra === null ? null : stringifyExact(extra);
    value._extracted_at = envelope.extractedAt;
    value._run_id = envelope.runId;
    value._version = envelope.nextVersion();
    const bytes = encode(value);
    return settled && settled.discarded.length > 0 ? { bytes, extra, discarded: settled.discarded } : { bytes, extra };
  };
  const fast = compileRecordWriter(codec.schema as never, header, codec.settle);
  if (!fast) return slow;
  return (record, envelope) => {
    try {
      return fast(record, envelope);
    } catch (error) {
      if (error instanceof UnsupportedValue) return slow(record, envelope);
      throw error;
    }
  };
}

/** The earlier versions of a resource's schema, oldest first (empty when it never changed). */
export async function loadSchemaHistory(schemasDir: string, source: string, resource: string): Promise<WriterSchema[]> {
  const out: WriterSchema[] = [];
  for (const { file, resource: r } of listSchemaFiles(join(schemasDir, source))) {
    if (r !== resource || !HISTORY_NAME.test(basename(file))) continue;
    out.push(writerSchema(await readSchemaFile(file), source, resource, file));
  }
  return out.sort((a, b) => a.version - b.version);
}

/** Every schema of a source, each resource's current version and its history: what a subscriber decodes with. */
export async function loadSourceSchemas(schemasDir: string, source: string): Promise<WriterSchema[]> {
  const out: WriterSchema[] = [];
  for (const { file, resource } of listSchemaFiles(join(schemasDir, source)))
    out.push(writerSchema(await readSchemaFile(file), source, resource, file));
  if (out.length === 0) throw new SchemaMissingError(`no .avsc files in ${join(schemasDir, source)}`);
  return out;
}

function listSchemaFiles(dir: string): { file: string; resource: string; mtimeMs: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.avsc'))
    .sort()
    .map((n) => {
      const file = join(dir, n);
      return {
        file,
        resource: HISTORY_NAME.exec(n)?.[1] ?? n.slice(0, -'.avsc'.length),
        mtimeMs: statSync(file).mtimeMs,
      };
    });
}

/**
 * The producer's wire format: single-object encoding by default; with a schema registry (argument, or
 * SCHEMA_REGISTRY_URL) the schema is registered under `<topic>-value` and messages carry its id.
 */
export async function withWireFormat(
  codec: ResourceCodec,
  topic: string,
  registry: SchemaRegistry | null | undefined = schemaRegistryFromEnv(),
): Promise<ResourceCodec> {
  if (!registry) return codec;
  const id = await registry.register(`${topic}-value`, codec.schema);
  const encode = confluentEncoder(codec.type, id);
  const shaper = compileShaper(codec.schema as never, ENVELOPE_NAMES);
  return { ...codec, encode, write: recordWriter(codec, shaper, encode, confluentHeader(id)) };
}

export interface DecoderOptions {
  /** where to look again for schema files when a message has an unknown fingerprint */
  readonly schemasDir?: string | undefined;
  readonly source?: string | undefined;
  /** for Confluent-framed messages; default from SCHEMA_REGISTRY_URL when the first one arrives; null: none */
  readonly registry?: SchemaRegistry | null | undefined;
}

/**
 * Decodes messages of any known schema version: single-object encoded (by fingerprint) or Confluent
 * framed (by registry id). `resolve()` first brings in schemas a batch needs that are not known yet: a
 * newer file in the schema directory, or a schema the registry holds. `decode()` is synchronous.
 */
export class SchemaDecoder {
  private readonly byFingerprint = new Map<bigint, WriterSchema>();
  private readonly byId = new Map<number, WriterSchema>();
  private readonly missingIds = new Set<number>();
  private readonly loadedFiles = new Map<string, number>();
  private registry: SchemaRegistry | null | undefined;

  constructor(
    schemas: Iterable<WriterSchema>,
    private readonly options: DecoderOptions = {},
  ) {
    for (const schema of schemas) this.add(schema);
    this.registry = options.registry;
  }

  /** Every schema known so far (files and registry), without duplicates. */
  known(): WriterSchema[] {
    return [...this.byFingerprint.values()];
  }

  /** The schema a message was written with, when it is known; undefined for unknown or foreign bytes. */
  writerOf(message: Buffer): WriterSchema | undefined {
    if (isSingleObject(message)) return this.byFingerprint.get(message.readBigUInt64LE(2));
    if (isConfluentFramed(message)) return this.byId.get(message.readUInt32BE(1));
    return undefined;
  }

  /** Loads the schemas these messages need that are not known yet. Throws only when the registry is unreachable. */
  async resolve(messages: Iterable<Buffer | null | undefined>): Promise<void> {
    let rescan = false;
    const ids = new Set<number>();
    for (const m of messages) {
      if (!m || this.writerOf(m)) continue;
      if (isSingleObject(m)) rescan = true;
      else if (isConfluentFramed(m)) {
        const id = m.readUInt32BE(1);
        if (!this.missingIds.has(id)) ids.add(id);
      }
    }
    if (rescan) await this.rescan();
    for (const id of ids) await this.fetchFromRegistry(id);
  }

  decode(message: Buffer): { codec: WriterSchema; value: Record<string, unknown> } {
    let codec: WriterSchema | undefined;
    let body: Buffer;
    if (isConfluentFramed(message)) {
      const framed = readConfluent(message);
      codec = this.byId.get(framed.id);
      body = framed.body;
      if (!codec)
        throw new AvroDecodeError(
          `unknown schema registry id ${framed.id}${this.registry ? ` (not in ${this.registry.url})` : ' (SCHEMA_REGISTRY_URL is not set)'}`,
        );
    } else {
      const { fingerprint, body: rest } = readSingleObject(message);
      codec = this.byFingerprint.get(fingerprint);
      body = rest;
      if (!codec) {
        throw new AvroDecodeError(
          `unknown schema fingerprint ${fingerprint.toString(16).padStart(16, '0')}: no file in schemas/ has it (a schema newer than this consumer's files?)`,
        );
      }
    }
    return { codec, value: codec.type.fromBuffer(body) as Record<string, unknown> };
  }

  private add(schema: WriterSchema): void {
    if (!this.byFingerprint.has(schema.fingerprint)) this.byFingerprint.set(schema.fingerprint, schema);
    this.loadedFiles.set(schema.file, this.loadedFiles.get(schema.file) ?? 0);
  }

  /** Schema files are added, never edited in place (history): only files not seen yet, or changed, are read. */
  private async rescan(): Promise<void> {
    const { schemasDir, source } = this.options;
    if (!schemasDir || !source) return;
    for (const { file, resource, mtimeMs } of listSchemaFiles(join(schemasDir, source))) {
      if (this.loadedFiles.get(file) === mtimeMs) continue;
      this.loadedFiles.set(file, mtimeMs);
      try {
        this.add(writerSchema(await readSchemaFile(file), source, resource, file));
      } catch {
        // A file being written right now, or not a streamtap schema: the message stays undecodable.
      }
    }
  }

  private async fetchFromRegistry(id: number): Promise<void> {
    if (this.registry === undefined) this.registry = schemaRegistryFromEnv();
    if (!this.registry) return;
    let schema: AvroRecordSchema;
    try {
      schema = (await this.registry.schemaById(id)) as AvroRecordSchema;
    } catch (error) {
      if (error instanceof SchemaRegistryError && !error.retriable) {
        this.missingIds.add(id);
        return;
      }
      throw error;
    }
    const fetched = writerSchema(schema, '', '', `schema registry id ${id}`);
    // The same schema as a file: one writer (the table evolution and resource checks key on it).
    const same = this.byFingerprint.get(fetched.fingerprint);
    const named = this.known().find((k) => fullName(k.schema) === fullName(schema));
    const writer = same ?? { ...fetched, source: named?.source ?? '', resource: named?.resource ?? '' };
    this.byFingerprint.set(writer.fingerprint, writer);
    this.byId.set(id, writer);
  }
}

function isSingleObject(message: Buffer): boolean {
  return message.length >= 10 && message[0] === SINGLE_OBJECT_MARKER[0] && message[1] === SINGLE_OBJECT_MARKER[1];
}

function fullName(schema: { name?: string; namespace?: string }): string {
  return schema.namespace ? `${schema.namespace}.${schema.name ?? ''}` : String(schema.name ?? '');
}
