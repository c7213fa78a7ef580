// Measuring hooks around the real components, from the outside: they wrap the Kafka client factories
// and the ClickHouse client the stage hands to streamtap, and listen to kafkajs instrumentation
// events. Nothing under src/ changes; the wrappers only time and count what passes through.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import {
  embeddedRawInsert,
  type AvroInserter,
  type EmbeddedClickHouseClient,
  type RawInsert,
} from '../../src/clickhouse/embedded-insert.js';

/** count / sum / min / max of a series, cheap enough for per-message use */
export class Tally {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  add(v: number): void {
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }
  toJSON(): { count: number; sum: number; avg: number | null; min: number | null; max: number | null } {
    const r = (x: number): number => Math.round(x * 100) / 100;
    return this.count === 0
      ? { count: 0, sum: 0, avg: null, min: null, max: null }
      : { count: this.count, sum: r(this.sum), avg: r(this.sum / this.count), min: r(this.min), max: r(this.max) };
  }
}

const now = (): number => performance.now();
const byteLength = (v: Buffer | string | null | undefined): number =>
  v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;

export interface ProducerProbe {
  /** producer.sendBatch calls: messages per call, ms awaiting each (encode + request + acks) */
  readonly sendMessages: Tally;
  readonly sendMs: Tally;
  /** payload bytes (keys + values) per sendBatch call */
  readonly sendBytes: Tally;
  /** Produce requests on the wire: round-trip ms each (kafkajs instrumentation) */
  readonly produceRequestMs: Tally;
  firstSendAt: number | null;
}

/** Wraps `kafka.producer()` so every producer it makes reports its sends. */
export function probeProducers(kafka: Kafka): ProducerProbe {
  const probe: ProducerProbe = {
    sendMessages: new Tally(),
    sendMs: new Tally(),
    sendBytes: new Tally(),
    produceRequestMs: new Tally(),
    firstSendAt: null,
  };
  const make = kafka.producer.bind(kafka);
  kafka.producer = (config) => {
    const producer: Producer = make(config);
    const sendBatch = producer.sendBatch.bind(producer);
    producer.sendBatch = async (batch) => {
      const t0 = now();
      probe.firstSendAt ??= t0;
      let n = 0;
      let bytes = 0;
      for (const t of batch.topicMessages ?? []) {
        n += t.messages.length;
        for (const m of t.messages) bytes += byteLength(m.value) + byteLength(m.key);
      }
      try {
        return await sendBatch(batch);
      } finally {
        probe.sendMessages.add(n);
        probe.sendBytes.add(bytes);
        probe.sendMs.add(now() - t0);
      }
    };
    producer.on(producer.events.REQUEST, (e) => {
      if (e.payload.apiName !== 'Produce') return;
      probe.produceRequestMs.add(e.payload.duration);
    });
    return producer;
  };
  return probe;
}

export interface ConsumerProbe {
  /** messages per eachBatch call and ms spent in it (decode + insert + commit) */
  readonly batchMessages: Tally;
  readonly batchMs: Tally;
  /** fetch requests: batches per fetch and ms per fetch */
  readonly fetchBatches: Tally;
  readonly fetchMs: Tally;
  readonly commitMs: Tally;
  groupJoinMs: number | null;
  firstBatchAt: number | null;
  lastBatchEndAt: number | null;
}

/** Wraps `kafka.consumer()` so the consumer streamtap makes reports its batches, fetches and commits. */
export function probeConsumers(kafka: Kafka): ConsumerProbe {
  const probe: ConsumerProbe = {
    batchMessages: new Tally(),
    batchMs: new Tally(),
    fetchBatches: new Tally(),
    fetchMs: new Tally(),
    commitMs: new Tally(),
    groupJoinMs: null,
    firstBatchAt: null,
    lastBatchEndAt: null,
  };
  const make = kafka.consumer.bind(kafka);
  kafka.consumer = (config) => {
    const consumer: Consumer = make(config);
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      probe.groupJoinMs = e.payload.duration;
    });
    consumer.on(consumer.events.FETCH, (e) => {
      probe.fetchBatches.add(e.payload.numberOfBatches);
      probe.fetchMs.add(e.payload.duration);
    });
    consumer.on(consumer.events.START_BATCH_PROCESS, () => {
      probe.firstBatchAt ??= now();
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      probe.batchMessages.add(e.payload.batchSize);
      probe.batchMs.add(e.payload.duration);
      probe.lastBatchEndAt = now();
    });
    const commit = consumer.commitOffsets.bind(consumer);
    consumer.commitOffsets = async (offsets) => {
      const t0 = now();
      try {
        return await commit(offsets);
      } finally {
        probe.commitMs.add(now() - t0);
      }
    };
    return consumer;
  };
  return probe;
}

export interface InsertProbe {
  readonly rows: Tally;
  readonly ms: Tally;
}

/** Times every `client.insert` (rows per insert, ms per insert) of a ClickHouse client. */
export function probeInserts(client: ClickHouseClient): InsertProbe {
  const probe: InsertProbe = { rows: new Tally(), ms: new Tally() };
  const insert = client.insert.bind(client);
  const timed: typeof client.insert = async (params) => {
    const t0 = now();
    try {
      return await insert(params);
    } finally {
      probe.rows.add(Array.isArray(params.values) ? params.values.length : 0);
      probe.ms.add(now() - t0);
    }
  };
  client.insert = timed;
  // The embedded engine's own insert path (src/clickhouse/embedded-insert.ts) bypasses client.insert.
  const rawInsert = embeddedRawInsert(client);
  if (rawInsert) {
    const timedRaw = async (params: RawInsert): Promise<void> => {
      const t0 = now();
      try {
        return await rawInsert(params);
      } finally {
        probe.ms.add(now() - t0);
        probe.rows.add(lineCount(params.body));
      }
    };
    // The consumer's byte path: Avro containers through the engine's Avro insert.
    const avro = rawInsert.avro;
    const timedAvro: AvroInserter | undefined = avro
      ? async (params) => {
          const t0 = now();
          try {
            return await avro(params);
          } finally {
            probe.ms.add(now() - t0);
            probe.rows.add(params.records);
          }
        }
      : undefined;
    (client as EmbeddedClickHouseClient).rawInsert = Object.assign(timedRaw, { avro: timedAvro });
  }
  return probe;
}

/** Rows in a line-delimited insert body. */
function lineCount(body: Buffer | Uint8Array | string): number {
  const bytes =
    typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}
