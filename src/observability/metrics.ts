// Prometheus metrics: every name in one place (METRIC), one registry per process, and an observer that
// turns producer and consumer events into counter increments. docs/operations.md explains each metric.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ConsumerEvent, PageEvent, PipelineObserver, ResourceResult, RetryEvent } from './events.js';

export const METRIC = {
  info: 'streamtap_info',
  httpRequests: 'streamtap_http_requests_total',
  httpRetries: 'streamtap_http_retries_total',
  httpResponseBytes: 'streamtap_http_response_bytes_total',
  pages: 'streamtap_pages_total',
  pageRecords: 'streamtap_page_records',
  recordsProduced: 'streamtap_records_produced_total',
  producedBytes: 'streamtap_produced_bytes_total',
  unknownFieldRecords: 'streamtap_unknown_field_records_total',
  schemaContractDiscards: 'streamtap_schema_contract_discards_total',
  deadLetters: 'streamtap_dead_letters_total',
  extractions: 'streamtap_extractions_total',
  lastExtractionSuccess: 'streamtap_last_extraction_success',
  lastExtractionTimestamp: 'streamtap_last_extraction_timestamp_seconds',
  lastExtractionRecords: 'streamtap_last_extraction_records',
  lastExtractionDuration: 'streamtap_last_extraction_duration_seconds',
  extractionWarnings: 'streamtap_extraction_warnings_total',
  recordsConsumed: 'streamtap_records_consumed_total',
  rowsInserted: 'streamtap_rows_inserted_total',
  insertBatchRows: 'streamtap_insert_batch_rows',
  insertDuration: 'streamtap_insert_duration_seconds',
  insertFailures: 'streamtap_insert_failures_total',
  consumerLag: 'streamtap_consumer_lag',
  dependencyUp: 'streamtap_dependency_up',
} as const;

/** Metric names without a process-wide default prefix: Node's own process metrics get `streamtap_`. */
const DEFAULT_METRICS_PREFIX = 'streamtap_';

export interface LagSample {
  readonly topic: string;
  readonly partition: number;
  readonly lag: bigint;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly httpRequests;
  private readonly httpRetries;
  private readonly httpResponseBytes;
  private readonly pages;
  private readonly pageRecords;
  private readonly recordsProduced;
  private readonly producedBytes;
  private readonly unknownFieldRecords;
  private readonly contractDiscards;
  private readonly deadLetters;
  private readonly extractions;
  private readonly lastSuccess;
  private readonly lastTimestamp;
  private readonly lastRecords;
  private readonly extractionWarnings;
  private readonly lastDuration;
  private readonly recordsConsumed;
  private readonly rowsInserted;
  private readonly insertBatchRows;
  private readonly insertDuration;
  private readonly insertFailures;
  readonly dependencyUp;
  /** per resource, the acknowledged totals already counted, so page events (which carry totals) add deltas */
  private readonly published = new Map<
    string,
    {
      records: number;
      withExtra: number;
      bytes: number;
      rejected: number;
      discardedRows: number;
      discardedValues: number;
    }
  >();

  constructor(
    readonly source: string,
    options: {
      command?: string;
      version?: string;
      lag?: () => Promise<readonly LagSample[]>;
      defaultMetrics?: boolean;
    } = {},
  ) {
    const registers = [this.registry];
    const counter = (name: string, help: string, labelNames: string[]) =>
      new Counter({ name, help, labelNames, registers });
    const gauge = (name: string, help: string, labelNames: string[]) =>
      new Gauge({ name, help, labelNames, registers });
    const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) =>
      new Histogram({ name, help, labelNames, buckets, registers });
    const r = ['source', 'resource'];
    gauge(METRIC.info, 'constant 1, labelled with the command and version', ['source', 'command', 'version']).set(
      { source, command: options.command ?? 'unknown', version: options.version ?? 'unknown' },
      1,
    );
    this.httpRequests = counter(
      METRIC.httpRequests,
      'HTTP requests to the source API by response status (or "error" for no response)',
      [...r, 'status'],
    );
    this.httpRetries = counter(
      METRIC.httpRetries,
      'HTTP requests retried (429, 5xx, network errors) by the status that caused the retry ("error" for no response)',
      [...r, 'status'],
    );
    this.httpResponseBytes = counter(METRIC.httpResponseBytes, 'response body bytes of successful pages', r);
    this.pages = counter(METRIC.pages, 'pages extracted', r);
    this.pageRecords = histogram(
      METRIC.pageRecords,
      'records per extracted page',
      r,
      [0, 1, 10, 50, 100, 250, 500, 1000, 5000],
    );
    this.recordsProduced = counter(METRIC.recordsProduced, 'records published to Kafka and acknowledged', r);
    this.producedBytes = counter(METRIC.producedBytes, 'Avro bytes of the records published to Kafka', r);
    this.unknownFieldRecords = counter(
      METRIC.unknownFieldRecords,
      'records with fields the schema does not know (kept in _extra)',
      r,
    );
    this.contractDiscards = counter(
      METRIC.schemaContractDiscards,
      'what schema_contract discarded, by kind: row (discard_row, sent to the dead-letter topic) or value (discard_value, dropped)',
      [...r, 'kind'],
    );
    this.deadLetters = counter(
      METRIC.deadLetters,
      'records or messages sent to a dead-letter topic, by stage (produce, consume)',
      ['source', 'topic', 'stage'],
    );
    this.extractions = counter(METRIC.extractions, 'finished extractions of a resource by outcome (success, failure)', [
      ...r,
      'outcome',
    ]);
    this.lastSuccess = gauge(
      METRIC.lastExtractionSuccess,
      '1 when the last extraction of the resource succeeded, 0 when it failed',
      r,
    );
    this.lastTimestamp = gauge(
      METRIC.lastExtractionTimestamp,
      'unix time the last extraction of the resource finished',
      r,
    );
    this.extractionWarnings = counter(
      METRIC.extractionWarnings,
      'warnings of finished extractions that may be incomplete though they succeeded (possible partial load)',
      r,
    );
    this.lastRecords = gauge(
      METRIC.lastExtractionRecords,
      'records published by the last extraction of the resource',
      r,
    );
    this.lastDuration = gauge(METRIC.lastExtractionDuration, 'wall time of the last extraction of the resource', r);
    this.recordsConsumed = counter(
      METRIC.recordsConsumed,
      'Kafka messages consumed and committed (rows plus dead letters)',
      ['source', 'topic'],
    );
    this.rowsInserted = counter(METRIC.rowsInserted, 'rows inserted into ClickHouse (latest per key within a batch)', [
      'source',
      'topic',
    ]);
    this.insertBatchRows = histogram(
      METRIC.insertBatchRows,
      'rows per ClickHouse insert',
      ['source', 'topic'],
      [1, 10, 100, 500, 1000, 5000, 10_000, 50_000, 100_000],
    );
    this.insertDuration = histogram(
      METRIC.insertDuration,
      'duration of successful ClickHouse inserts',
      ['source', 'topic'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
    this.insertFailures = counter(METRIC.insertFailures, 'failed ClickHouse insert attempts (retried with backoff)', [
      'source',
      'topic',
    ]);
    this.dependencyUp = gauge(
      METRIC.dependencyUp,
      '1 when the last readiness check reached the dependency (kafka, clickhouse)',
      ['dependency'],
    );
    const lag = options.lag;
    if (lag) {
      new Gauge({
        name: METRIC.consumerLag,
        help: "messages not yet committed by the consumer group, per partition (end offset minus the group's offset)",
        labelNames: ['source', 'topic', 'partition'],
        registers,
        async collect() {
          this.reset();
          for (const s of await lag().catch(() => []))
            this.set({ source, topic: s.topic, partition: String(s.partition) }, Number(s.lag));
        },
      });
    }
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: DEFAULT_METRICS_PREFIX });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The observer that feeds these metrics. */
  observer(): PipelineObserver {
    return {
      page: (e) => this.onPage(e),
      retry: (e) => this.onRetry(e),
      resourceFinished: (result, error) => this.onFinished(result, error),
      consumer: (e) => this.onConsumer(e),
    };
  }

  private onPage(e: PageEvent): void {
    const labels = { source: this.source, resource: e.resource };
    this.httpRequests.inc({ ...labels, status: String(e.status) });
    this.httpResponseBytes.inc(labels, e.bytes);
    this.pages.inc(labels);
    this.pageRecords.observe(labels, e.records);
    this.addPublished(e.resource, e.topic, e.published);
  }

  private onRetry(e: RetryEvent): void {
    const labels = { source: this.source, resource: e.resource };
    const status = e.status === undefined ? 'error' : String(e.status);
    this.httpRetries.inc({ ...labels, status });
    this.httpRequests.inc({ ...labels, status });
  }

  private onFinished(result: ResourceResult, error: unknown): void {
    const labels = { source: this.source, resource: result.resource };
    this.addPublished(result.resource, result.topic, result);
    // The attempt that made the resource give up is a request too; retried ones were counted by onRetry.
    const status = (error as { context?: { status?: number } } | undefined)?.context?.status;
    if (error !== undefined && (error as { code?: string }).code?.startsWith('HTTP_'))
      this.httpRequests.inc({ ...labels, status: status === undefined ? 'error' : String(status) });
    this.extractions.inc({ ...labels, outcome: result.ok ? 'success' : 'failure' });
    this.lastSuccess.set(labels, result.ok ? 1 : 0);
    this.lastTimestamp.set(labels, Date.now() / 1000);
    this.lastRecords.set(labels, result.records);
    if (result.warnings?.length) this.extractionWarnings.inc(labels, result.warnings.length);
    this.lastDuration.set(labels, result.durationMs / 1000);
    this.published.delete(result.resource);
  }

  private addPublished(
    resource: string,
    topic: string,
    now: {
      records: number;
      withExtra: number;
      bytes: number;
      rejected: number;
      discardedRows?: number | undefined;
      discardedValues?: number | undefined;
    },
  ): void {
    const before = this.published.get(resource) ?? {
      records: 0,
      withExtra: 0,
      bytes: 0,
      rejected: 0,
      discardedRows: 0,
      discardedValues: 0,
    };
    const rows = now.discardedRows ?? 0;
    const values = now.discardedValues ?? 0;
    const labels = { source: this.source, resource };
    if (now.records > before.records) this.recordsProduced.inc(labels, now.records - before.records);
    if (now.bytes > before.bytes) this.producedBytes.inc(labels, now.bytes - before.bytes);
    if (now.withExtra > before.withExtra) this.unknownFieldRecords.inc(labels, now.withExtra - before.withExtra);
    if (now.rejected > before.rejected)
      this.deadLetters.inc({ source: this.source, topic, stage: 'produce' }, now.rejected - before.rejected);
    if (rows > before.discardedRows) {
      this.contractDiscards.inc({ ...labels, kind: 'row' }, rows - before.discardedRows);
      this.deadLetters.inc({ source: this.source, topic, stage: 'produce' }, rows - before.discardedRows);
    }
    if (values > before.discardedValues)
      this.contractDiscards.inc({ ...labels, kind: 'value' }, values - before.discardedValues);
    this.published.set(resource, {
      records: now.records,
      withExtra: now.withExtra,
      bytes: now.bytes,
      rejected: now.rejected,
      discardedRows: rows,
      discardedValues: values,
    });
  }

  private onConsumer(e: ConsumerEvent): void {
    const labels = { source: this.source, topic: e.topic };
    switch (e.type) {
      case 'inserted':
        this.recordsConsumed.inc(labels, e.records);
        this.rowsInserted.inc(labels, e.rows);
        if (e.rows > 0) {
          this.insertBatchRows.observe(labels, e.rows);
          this.insertDuration.observe(labels, e.ms / 1000);
        }
        break;
      case 'insert-failed':
        this.insertFailures.inc(labels);
        break;
      case 'dead-lettered':
        this.deadLetters.inc({ ...labels, stage: 'consume' }, e.offsets.length);
        break;
      default:
        break;
    }
  }
}
