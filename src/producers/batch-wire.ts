// Batches of Kafka messages as one transferable buffer, for handing them to the sender thread. Structured
// cloning a Buffer per message would copy each one and allocate per message on both sides; here every
// value is copied once into a single ArrayBuffer whose ownership moves to the other thread (no second
// copy), keys and header sets travel as they are (a page's headers are one shared object, sent once).
import type { IHeaders, Message } from 'kafkajs';
import type { TopicBatch } from './serial-sender.js';

/** One topic's messages, packed. */
export interface PackedTopicBatch {
  readonly topic: string;
  readonly keys: (string | Uint8Array | null)[];
  /** end offset of each value in `values`; -1 for a null value (a tombstone or a reason-only dead letter) */
  readonly valueEnds: Int32Array;
  readonly values: ArrayBuffer;
  /** index into `headerSets` per message; -1 for none */
  readonly headerIndex: Int32Array;
  readonly headerSets: IHeaders[];
  /** an explicit partition per message, -1 for the partitioner's choice */
  readonly partitions: Int32Array;
}

/** `batches` packed, and the buffers to list as transferred in postMessage. */
export function packBatches(batches: readonly TopicBatch[]): {
  packed: PackedTopicBatch[];
  transfer: ArrayBuffer[];
} {
  const transfer: ArrayBuffer[] = [];
  const packed = batches
    .filter((b) => b.messages.length > 0)
    .map((b): PackedTopicBatch => {
      const n = b.messages.length;
      const values: (Buffer | null)[] = b.messages.map((m) => valueBytes(m.value));
      const total = values.reduce((sum, v) => sum + (v?.length ?? 0), 0);
      const buffer = new ArrayBuffer(total);
      const bytes = new Uint8Array(buffer);
      const valueEnds = new Int32Array(n);
      const headerIndex = new Int32Array(n);
      const partitions = new Int32Array(n);
      const headerSets: IHeaders[] = [];
      const headerIds = new Map<IHeaders, number>();
      let at = 0;
      for (let i = 0; i < n; i++) {
        const m = b.messages[i] as Message;
        const v = values[i];
        if (v === null || v === undefined) valueEnds[i] = -1;
        else {
          bytes.set(v, at);
          at += v.length;
          valueEnds[i] = at;
        }
        if (m.headers) {
          let id = headerIds.get(m.headers);
          if (id === undefined) {
            id = headerSets.push(m.headers) - 1;
            headerIds.set(m.headers, id);
          }
          headerIndex[i] = id;
        } else headerIndex[i] = -1;
        partitions[i] = m.partition ?? -1;
      }
      transfer.push(buffer);
      return {
        topic: b.topic,
        keys: b.messages.map((m) => m.key ?? null),
        valueEnds,
        values: buffer,
        headerIndex,
        headerSets,
        partitions,
      };
    });
  return { packed, transfer };
}

/** The batches as kafkajs takes them; values are views on the transferred buffer (no copy). */
export function unpackBatches(packed: readonly PackedTopicBatch[]): TopicBatch[] {
  return packed.map((b) => {
    const headerSets = b.headerSets.map(asBufferHeaders);
    const messages: Message[] = new Array(b.keys.length);
    let start = 0;
    for (let i = 0; i < b.keys.length; i++) {
      const end = b.valueEnds[i] as number;
      const key = b.keys[i] ?? null;
      const message: Message = {
        key: key instanceof Uint8Array ? asBuffer(key) : key,
        value: end < 0 ? null : Buffer.from(b.values, start, end - start),
      };
      if (end >= 0) start = end;
      const h = b.headerIndex[i] as number;
      if (h >= 0) message.headers = headerSets[h];
      const p = b.partitions[i] as number;
      if (p >= 0) message.partition = p;
      messages[i] = message;
    }
    return { topic: b.topic, messages };
  });
}

function valueBytes(value: Message['value']): Buffer | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? Buffer.from(value) : value;
}

// A Buffer arrives as a plain Uint8Array; kafkajs wants Buffers (Buffer.isBuffer) for keys and headers.
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function asBufferHeaders(headers: IHeaders): IHeaders {
  const out: IHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value)
      ? value.map((v) => (v instanceof Uint8Array ? asBuffer(v) : v))
      : value instanceof Uint8Array
        ? asBuffer(value)
        : value;
  }
  return out;
}
