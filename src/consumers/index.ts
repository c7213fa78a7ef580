// The consumer's public surface: what the CLI, benchmarks and embedding applications use.
export { consume } from './consume.js';
export type { ConsumeOptions, ConsumeReport, TableReport } from './consume.js';
export type { ConsumerEvent } from '../observability/events.js';
export { batchPolicy, DEFAULT_BATCH_POLICY, fetchSettings, splitBatch } from './batch-policy.js';
export type { BatchPolicy } from './batch-policy.js';
export { latestPerKey } from './latest.js';
export { ClickHouseSink } from './sink.js';
export type { InsertBatch } from './sink.js';
export { latestViewName, tableStatements, SINGLE_SERVER } from '../clickhouse/ddl.js';
export type { ClickHouseTopology } from '../clickhouse/ddl.js';
export { DEFAULT_INSERT_RETRY, insertRetryPolicy } from './insert-retry.js';
export type { InsertRetryPolicy } from './insert-retry.js';
export { consumerSettings } from './settings.js';
export type { ConsumerFlags, ConsumerSettings } from './settings.js';
export { PoisonMessageError } from './dead-letter.js';
export type { DeadLetterEntry } from './dead-letter.js';
