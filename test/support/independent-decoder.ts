// A decoder for streamtap's topics written from the Avro specification alone: it shares nothing with
// the producer but avsc. If the producer's framing or fingerprints drift from the spec, this fails.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';

function crc64avro(text: string): bigint {
  const empty = 0xc15d213aa4d7a795n;
  const table: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = fp & 1n ? (fp >> 1n) ^ empty : fp >> 1n;
    table.push(fp);
  }
  let fp = empty;
  for (const b of Buffer.from(text, 'utf8')) fp = (fp >> 8n) ^ table[Number((fp ^ BigInt(b)) & 0xffn)]!;
  return fp;
}

// Avro long as the spec defines it (zig-zag varint of a signed 64-bit integer), read in bigint arithmetic
// so that every int64 value comes out exactly: a number when it is a safe integer, else a bigint.
const exactLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => {
    const n = buf.readBigInt64LE(0);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  },
  toBuffer: (v: number | bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(v));
    return buf;
  },
  fromJSON: (v: number | string) => BigInt(v),
  toJSON: (v: number | bigint) => Number(v),
  isValid: (v: unknown) => typeof v === 'bigint' || Number.isSafeInteger(v),
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

export class IndependentDecoder {
  private readonly types = new Map<bigint, { type: avro.Type; file: string }>();

  /** Loads every .avsc under `dir/<source>/`. */
  constructor(dir: string) {
    for (const source of readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory())) {
      for (const name of readdirSync(join(dir, source)).filter((n) => n.endsWith('.avsc'))) {
        const file = join(dir, source, name);
        const type = avro.Type.forSchema(JSON.parse(readFileSync(file, 'utf8')), {
          typeHook: (schema) =>
            (typeof schema === 'string' ? schema : (schema as { type?: unknown }).type) === 'long'
              ? exactLong
              : undefined,
        });
        this.types.set(crc64avro(JSON.stringify(type.schema())), { type, file });
      }
    }
  }

  decode(bytes: Buffer): { file: string; value: Record<string, unknown> } {
    if (bytes[0] !== 0xc3 || bytes[1] !== 0x01) throw new Error('missing single-object marker C3 01');
    const fp = bytes.readBigUInt64LE(2);
    const found = this.types.get(fp);
    if (!found) throw new Error(`no schema file with fingerprint ${fp.toString(16)}`);
    return { file: found.file, value: found.type.fromBuffer(bytes.subarray(10)) as Record<string, unknown> };
  }
}
