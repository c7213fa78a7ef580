// What the pieces of a consumer share: per topic, how its records become rows of which table (a plan,
// built once at start), and per consumer, what loading a chunk needs (the context).
import type { KafkaMessage, Producer } from 'kafkajs';
import type { ResourceCodec, SchemaDecoder } from '../avro/schema-store.js';
import type { Logger } from '../log.js';
import type { BatchPolicy } from './batch-policy.js';
import type { ConsumerEvent } from '../observability/events.js';
import type { InsertRetryPolicy, OutageLog } from './insert-retry.js';
import type { EncodedRow } from './insert-writer.js';
import type { Sink } from './sink.js';
import type { TableEvolution } from './table-evolution.js';
import type { TableSpec } from './table-schema.js';

export interface TableReport {
  readonly topic: string;
  readonly table: string;
  /** messages consumed into this table (including dead letters) */
  records: number;
  /** rows inserted after keeping the latest record per key within each chunk */
  rows: number;
  inserts: number;
  deadLetters: number;
  /** keys marked deleted after completed full extractions (replace resources) */
  deleted: number;
}

export interface TopicPlan {
  readonly topic: string;
  readonly resource: string;
  readonly spec: TableSpec;
  readonly codec: ResourceCodec;
  /** adds and widens columns when a newer schema version arrives (table-evolution.ts) */
  readonly evolution: TableEvolution;
  readonly keyOf: (record: Record<string, unknown>) => string;
  readonly keyFields: readonly string[];
  readonly report: TableReport;
}

/** A row waiting for its insert, with the message it came from (for the dead-letter topic). */
export interface Pending {
  readonly row: EncodedRow;
  readonly message: KafkaMessage;
}

export interface LoadContext {
  readonly policy: BatchPolicy;
  readonly retry: InsertRetryPolicy;
  readonly decoder: SchemaDecoder;
  readonly sink: Sink;
  readonly dlqProducer: Producer;
  readonly outage: OutageLog;
  readonly logger: Logger;
  readonly emit: (event: ConsumerEvent) => void;
  /** aborted when consume() is done for any reason: ends backoff waits and control polls at once */
  readonly stopping: AbortSignal;
  /** time spent in successful inserts, summed over all partitions */
  readonly timing: { insertMs: number };
}
