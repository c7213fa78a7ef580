// streamtap's public face: what an application embedding streamtap imports (`import { produce } from
// 'streamtap'`). Everything else under src/ is internal and may change between minor versions.
// The layers and which folder may import which: docs/architecture.md.

// Sources: write one in TypeScript, or load a YAML/TS file, and resolve it.
export { defineSource, secret } from './config/define.js';
export { IgnoreResponse, type ResponseHook, type ResponseView } from './config/schema.js';
export { loadSourceFile, type LoadOptions } from './config/load.js';
export type { ResolvedResource, ResolvedSource } from './config/source.js';
export type { SecretSources } from './config/secrets.js';
export { selectResources } from './config/select.js';

// Connections.
export { createKafka, kafkaSettingsFromEnv, type KafkaSettings } from './kafka/client.js';
export { clickhouseSettingsFromEnv, openClickHouse, type ClickHouseSettings } from './clickhouse/client.js';
export { createLogger, silentLogger, type Logger } from './log.js';

// Extract to Kafka, and Kafka to ClickHouse.
export { produce, type ProduceOptions, type ProduceReport } from './producers/produce.js';
export { consume, type ConsumeOptions, type ConsumeReport, type TableReport } from './consumers/consume.js';

// What producers and consumers report while they work.
export type {
  ConsumeObserver,
  ConsumerEvent,
  PageEvent,
  PipelineObserver,
  ProduceObserver,
  ResourceReport,
  RetryEvent,
} from './observability/events.js';
export { fanOut } from './observability/events.js';

// The contract with subscribers: topic and header names, the run-completion message.
export { controlTopic, deadLetterTopic, runsTopic, sourceOfTopic, topicName } from './contracts/topics.js';
export { HEADER } from './contracts/headers.js';
export { RUN_COMPLETE, decodeRunCompletion, type RunCompletion } from './contracts/run-completion.js';

// Errors: every error streamtap throws is a StreamtapError with a stable `code` (src/errors.ts).
export { ErrorCode, StreamtapError, classifyFailure, errorCode, type FailureClass } from './errors.js';
