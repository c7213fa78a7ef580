// Confluent wire format, used when a schema registry is configured: a zero magic byte, the schema's
// registry id as a 4-byte big-endian integer, then the Avro binary body.
import type { Type } from 'avsc';
import { AvroDecodeError } from './single-object.js';

export const CONFLUENT_MAGIC = 0x00;
/** The magic byte and the 4-byte id before the body. */
export const CONFLUENT_HEADER_LENGTH = 5;
const HEADER_LENGTH = CONFLUENT_HEADER_LENGTH;

/** The 5 bytes before every body written with registry id `id`. */
export function confluentHeader(id: number): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt8(CONFLUENT_MAGIC, 0);
  header.writeUInt32BE(id, 1);
  return header;
}

export function confluentEncoder(type: Type, id: number): (value: unknown) => Buffer {
  const header = confluentHeader(id);
  return (value) => Buffer.concat([header, type.toBuffer(value)]);
}

export function isConfluentFramed(message: Buffer): boolean {
  return message.length >= HEADER_LENGTH && message[0] === CONFLUENT_MAGIC;
}

export function readConfluent(message: Buffer): { id: number; body: Buffer } {
  if (!isConfluentFramed(message))
    throw new AvroDecodeError('not Confluent wire format (expected a zero magic byte and a 4-byte schema id)');
  return { id: message.readUInt32BE(1), body: message.subarray(HEADER_LENGTH) };
}
