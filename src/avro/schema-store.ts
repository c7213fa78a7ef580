// Resource schemas live in `schemas/<source>/<resource>.avsc`, reviewed and versioned like code.
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import avro, { type Type } from 'avsc';
import { assertEnvelope, ENVELOPE_NAMES } from './envelope.js';
import { compileShaper, type RecordShaper } from './record-shaper.js';
import { readSingleObject, schemaFingerprint, singleObjectEncoder, AvroDecodeError } from './single-object.js';

export interface AvroRecordSchema {
  readonly type: 'record';
  readonly name: string;
  readonly namespace?: string;
  readonly fields: readonly { name: string; type: unknown; default?: unknown; doc?: string }[];
}

export interface ResourceCodec {
  readonly source: string;
  readonly resource: string;
  readonly file: string;
  readonly schema: AvroRecordSchema;
  readonly type: Type;
  readonly fingerprint: bigint;
  /** API record → schema-fitting value plus what did not fit */
  readonly shape: RecordShaper;
  /** full record (with envelope) → single-object encoded bytes */
  readonly encode: (value: unknown) => Buffer;
}

export class SchemaMissingError extends Error {
  readonly code = 'SCHEMA_MISSING';
}

export function schemaFile(schemasDir: string, source: string, resource: string): string {
  return join(schemasDir, source, `${resource}.avsc`);
}

export async function loadResourceCodec(schemasDir: string, source: string, resource: string): Promise<ResourceCodec> {
  const file = schemaFile(schemasDir, source, resource);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new SchemaMissingError(
      `no Avro schema for resource "${resource}" of source "${source}": expected ${relative(process.cwd(), file) || file}; ` +
        'create it with `streamtap schema infer <config>` and review it',
    );
  }
  const schema = JSON.parse(text) as AvroRecordSchema;
  assertEnvelope(schema, file);
  const type = avro.Type.forSchema(schema as avro.Schema);
  return {
    source,
    resource,
    file,
    schema,
    type,
    fingerprint: schemaFingerprint(type),
    shape: compileShaper(schema as never, ENVELOPE_NAMES),
    encode: singleObjectEncoder(type),
  };
}

/** Decodes single-object messages of any known schema, by fingerprint. */
export class SchemaDecoder {
  private readonly byFingerprint = new Map<bigint, ResourceCodec>();

  constructor(codecs: Iterable<ResourceCodec>) {
    for (const codec of codecs) this.byFingerprint.set(codec.fingerprint, codec);
  }

  decode(message: Buffer): { codec: ResourceCodec; value: Record<string, unknown> } {
    const { fingerprint, body } = readSingleObject(message);
    const codec = this.byFingerprint.get(fingerprint);
    if (!codec) throw new AvroDecodeError(`unknown schema fingerprint ${fingerprint.toString(16).padStart(16, '0')}`);
    return { codec, value: codec.type.fromBuffer(body) as Record<string, unknown> };
  }
}
