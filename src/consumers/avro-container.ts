// An Avro object container file (https://avro.apache.org/docs/1.11.1/specification/#object-container-files)
// made of message bodies as they are: the header names the writer schema and a sync marker, then one block
// holds the record count, the byte size, the bodies back to back and the sync marker again. No record is
// decoded or encoded: the bodies of single-object (or Confluent-framed) messages are already Avro binary.
import avro from 'avsc';
import { randomBytes } from 'node:crypto';

/** The header's own schema, as the specification gives it. */
const HEADER_TYPE = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
});
const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
const LONG = avro.Type.forSchema('long');

/** A container's header for one writer schema; built once per writer, reused for each block. */
export interface ContainerHeader {
  readonly bytes: Buffer;
  /** the 16-byte sync marker that ends every block */
  readonly sync: Buffer;
}

/**
 * The header of a container whose records are written with `schema` (the writer schema as JSON, logical
 * types included: the reader maps `timestamp-millis` to DateTime64 only when the header says so). The codec
 * is `null`: bodies are stored as they are.
 */
export function containerHeader(schema: unknown): ContainerHeader {
  const sync = randomBytes(16);
  const meta = {
    'avro.schema': Buffer.from(JSON.stringify(schema), 'utf8'),
    'avro.codec': Buffer.from('null', 'utf8'),
  };
  return { bytes: HEADER_TYPE.toBuffer({ magic: MAGIC, meta, sync }), sync };
}

/**
 * One container: `header` then a single block of `bodies` (each one record's Avro binary), in order, as
 * the list of pieces to write one after the other. The bodies are not copied: a chunk's container costs
 * a few bytes of framing beside the messages it is made of.
 */
export function objectContainer(header: ContainerHeader, bodies: readonly Buffer[]): Buffer[] {
  let size = 0;
  for (const b of bodies) size += b.length;
  const counts = Buffer.concat([LONG.toBuffer(bodies.length), LONG.toBuffer(size)]);
  return [header.bytes, counts, ...bodies, header.sync];
}
