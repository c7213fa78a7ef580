// Avro single-object encoding: 0xC3 0x01, the writer schema's CRC-64-AVRO fingerprint (little-endian),
// then the Avro binary body. A subscriber needs only the message and the schema files to decode it.
import { ErrorCode, StreamtapError } from '../errors.js';
import type { Type } from 'avsc';
import { fingerprintBytes, rabinFingerprint64 } from './fingerprint.js';

export const SINGLE_OBJECT_MARKER = Buffer.from([0xc3, 0x01]);
/** The marker and the 8-byte fingerprint before the body. */
export const SINGLE_OBJECT_HEADER_LENGTH = 10;
const HEADER_LENGTH = SINGLE_OBJECT_HEADER_LENGTH;

export class AvroDecodeError extends StreamtapError {
  readonly code = ErrorCode.AVRO_DECODE;
}

export function canonicalForm(type: Type): string {
  return JSON.stringify(type.schema());
}

export function schemaFingerprint(type: Type): bigint {
  return rabinFingerprint64(Buffer.from(canonicalForm(type), 'utf8'));
}

/** The 10 bytes before every body of this schema. */
export function singleObjectHeader(type: Type): Buffer {
  return Buffer.concat([SINGLE_OBJECT_MARKER, fingerprintBytes(schemaFingerprint(type))]);
}

/** A writer for one schema: the 10-byte header is computed once, not per record. */
export function singleObjectEncoder(type: Type): (value: unknown) => Buffer {
  const header = singleObjectHeader(type);
  return (value) => Buffer.concat([header, type.toBuffer(value)]);
}

/** Splits a single-object message into its fingerprint and body, or explains why it is not one. */
export function readSingleObject(message: Buffer): { fingerprint: bigint; body: Buffer } {
  if (message.length < HEADER_LENGTH || message[0] !== 0xc3 || message[1] !== 0x01) {
    throw new AvroDecodeError('not Avro single-object encoded (expected the marker C3 01)');
  }
  return { fingerprint: message.readBigUInt64LE(2), body: message.subarray(HEADER_LENGTH) };
}
