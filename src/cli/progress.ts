// Progress of produce, consume and run. On a terminal: one live line per resource (pages, records,
// records/s, retries, elapsed) and per table (rows, rows/s, lag draining), redrawn a few times a second.
// Off a terminal: the same facts as JSON log lines, one per page and one per inserted batch, never per record.
import type { ConsumerEvent } from '../observability/events.js';
import type { Logger } from '../log.js';
import type { PageEvent, PipelineObserver, ResourceResult, RetryEvent } from '../observability/events.js';
import type { PartitionLag } from '../observability/lag.js';
import { terminal, type Terminal } from '../observability/terminal.js';
import { formatTable } from './commands.js';

interface ResourceLine {
  readonly resource: string;
  readonly started: number;
  pages: number;
  fetched: number;
  published: number;
  retries: number;
  done?: { ok: boolean; ms: number; error?: string | undefined };
}

interface TableLine {
  readonly topic: string;
  readonly started: number;
  records: number;
  rows: number;
  deadLetters: number;
  /** per partition: end offset seen by the last lag poll, and the group's committed offset */
  readonly high: Map<number, bigint>;
  readonly committed: Map<number, bigint>;
  /** the highest lag seen: what the lag drains from (under `run` it rises while extraction outpaces the load) */
  peakLag?: bigint;
}

/** Shared bookkeeping of both displays. */
export class ProgressState {
  readonly resources = new Map<string, ResourceLine>();
  readonly tables = new Map<string, TableLine>();

  constructor(readonly now: () => number = Date.now) {}

  resourceStarted(resource: string): ResourceLine {
    const line: ResourceLine = { resource, started: this.now(), pages: 0, fetched: 0, published: 0, retries: 0 };
    this.resources.set(resource, line);
    return line;
  }

  resource(resource: string): ResourceLine {
    return this.resources.get(resource) ?? this.resourceStarted(resource);
  }

  page(e: PageEvent): ResourceLine {
    const line = this.resource(e.resource);
    line.pages = e.page;
    line.fetched += e.records;
    line.published = e.published.records;
    return line;
  }

  retry(e: RetryEvent): ResourceLine {
    const line = this.resource(e.resource);
    line.retries++;
    return line;
  }

  finished(r: ResourceResult): ResourceLine {
    const line = this.resource(r.resource);
    line.pages = r.pages;
    line.published = r.records;
    line.retries = r.retries;
    line.done = { ok: r.ok, ms: r.durationMs, error: r.error };
    return line;
  }

  table(topic: string): TableLine {
    let line = this.tables.get(topic);
    if (!line) {
      line = { topic, started: this.now(), records: 0, rows: 0, deadLetters: 0, high: new Map(), committed: new Map() };
      this.tables.set(topic, line);
    }
    return line;
  }

  consumer(e: ConsumerEvent): TableLine {
    const line = this.table(e.topic);
    if (e.type === 'inserted') {
      line.records += e.records;
      line.rows += e.rows;
      // the commit of these offsets follows at once: count them as done, so the lag shown is current
      const next = BigInt(e.lastOffset) + 1n;
      if (next > (line.committed.get(e.partition) ?? -1n)) line.committed.set(e.partition, next);
    } else if (e.type === 'dead-lettered') line.deadLetters += e.offsets.length;
    else if (e.type === 'committed') line.committed.set(e.partition, BigInt(e.offset));
    return line;
  }

  lag(rows: readonly PartitionLag[]): void {
    for (const r of rows) {
      const line = this.table(r.topic);
      line.high.set(r.partition, r.high);
      const committed = line.committed.get(r.partition);
      if (r.committed !== undefined && (committed === undefined || r.committed > committed))
        line.committed.set(r.partition, r.committed);
      else if (r.committed === undefined && committed === undefined) line.committed.set(r.partition, r.low);
    }
    for (const line of this.tables.values()) {
      const lag = tableLag(line);
      if (lag !== undefined && (line.peakLag === undefined || lag > line.peakLag)) line.peakLag = lag;
    }
  }

  elapsedMs(started: number): number {
    return Math.max(1, this.now() - started);
  }
}

export function tableLag(line: TableLine): bigint | undefined {
  if (line.high.size === 0) return undefined;
  let lag = 0n;
  for (const [partition, high] of line.high) {
    const done = line.committed.get(partition) ?? 0n;
    if (high > done) lag += high - done;
  }
  return lag;
}

/** Live lines on a terminal. */
export class LiveProgress implements PipelineObserver {
  readonly state: ProgressState;
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;

  constructor(
    private readonly term: Terminal = terminal,
    now: () => number = Date.now,
    private readonly refreshMs = 200,
  ) {
    this.state = new ProgressState(now);
  }

  private stopped = false;

  start(): void {
    if (this.stopped) return;
    this.timer ??= setInterval(() => this.draw(), this.refreshMs);
    this.timer.unref();
  }

  /** Draws the final frame, leaves it on screen, and draws no more. */
  stop(): void {
    if (this.stopped) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.draw();
    this.stopped = true;
    this.term.release();
  }

  resourceStarted(e: { resource: string }): void {
    this.state.resourceStarted(e.resource);
    this.start();
  }
  page(e: PageEvent): void {
    this.state.page(e);
  }
  retry(e: RetryEvent): void {
    this.state.retry(e);
  }
  resourceFinished(r: ResourceResult): void {
    this.state.finished(r);
    this.draw();
  }
  consumer(e: ConsumerEvent): void {
    this.state.consumer(e);
    this.start();
  }
  lag(rows: readonly PartitionLag[]): void {
    this.state.lag(rows);
    this.start();
  }

  draw(): void {
    if (this.stopped) return;
    this.frame++;
    const lines = renderLines(this.state, this.frame);
    if (lines.length > 0) this.term.setLive(lines);
  }
}

const SPINNER = ['|', '/', '-', '\\'];
const n = (x: number | bigint): string => x.toLocaleString('en-US');
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

export function renderLines(state: ProgressState, frame = 0): string[] {
  const lines: string[] = [];
  const width = Math.max(8, ...[...state.resources.keys(), ...state.tables.keys()].map((k) => k.length));
  for (const r of state.resources.values()) {
    const ms = r.done?.ms ?? state.elapsedMs(r.started);
    const mark = r.done ? (r.done.ok ? 'ok' : 'FAILED') : SPINNER[frame % SPINNER.length];
    const records = r.done ? r.published : Math.max(r.fetched, r.published);
    lines.push(
      `${(mark ?? '').padEnd(6)} ${r.resource.padEnd(width)}  pages ${n(r.pages).padStart(6)}  records ${n(records).padStart(9)}  ` +
        `${n(Math.round((records * 1000) / Math.max(ms, 1))).padStart(7)} rec/s  retries ${String(r.retries).padStart(3)}  ${secs(ms).padStart(7)}` +
        (r.done?.error ? `  ${r.done.error}` : ''),
    );
  }
  for (const t of state.tables.values()) {
    const ms = state.elapsedMs(t.started);
    const lag = tableLag(t);
    const draining = lag !== undefined && t.peakLag !== undefined && t.peakLag > 0n ? ` of ${n(t.peakLag)}` : '';
    lines.push(
      `${'load'.padEnd(6)} ${t.topic.padEnd(width)}  rows ${n(t.rows).padStart(9)}  ${n(Math.round((t.records * 1000) / ms)).padStart(7)} msg/s  ` +
        `lag ${lag === undefined ? '?' : n(lag)}${draining}  dlq ${n(t.deadLetters)}`,
    );
  }
  return lines;
}

/** The same facts as JSON log lines, for files, journald and log shippers. */
export class ProgressLog implements PipelineObserver {
  readonly state = new ProgressState();

  constructor(private readonly logger: Logger) {}

  resourceStarted(e: { resource: string; topic: string; runId: string }): void {
    this.state.resourceStarted(e.resource);
  }

  page(e: PageEvent): void {
    const line = this.state.page(e);
    const elapsedMs = this.state.elapsedMs(line.started);
    this.logger.info(
      {
        resource: e.resource,
        page: e.page,
        pageRecords: e.records,
        records: line.fetched,
        published: line.published,
        recordsPerSecond: Math.round((line.fetched * 1000) / elapsedMs),
        retries: line.retries,
        elapsedMs,
      },
      'page',
    );
  }

  retry(e: RetryEvent): void {
    this.state.retry(e);
  }

  resourceFinished(r: ResourceResult): void {
    this.state.finished(r);
  }

  consumer(e: ConsumerEvent): void {
    const line = this.state.consumer(e);
    if (e.type !== 'inserted') return;
    const elapsedMs = this.state.elapsedMs(line.started);
    const lag = tableLag(line);
    this.logger.info(
      {
        topic: e.topic,
        partition: e.partition,
        batchRecords: e.records,
        batchRows: e.rows,
        insertMs: e.ms,
        rows: line.rows,
        recordsPerSecond: Math.round((line.records * 1000) / elapsedMs),
        ...(lag === undefined ? {} : { lag: Number(lag) }),
      },
      'batch inserted',
    );
  }

  lag(rows: readonly PartitionLag[]): void {
    this.state.lag(rows);
  }
}

/** The summary table printed when a produce cycle ends. */
export function formatSummary(results: readonly ResourceResult[]): string {
  const rows = results.map((r) => [
    r.resource,
    r.ok ? (r.warnings?.length ? 'WARNINGS' : 'ok') : 'FAILED',
    String(r.pages),
    String(r.records),
    String(r.rejected),
    String(r.retries),
    String(Math.round((r.records * 1000) / Math.max(r.durationMs, 1))),
    (r.durationMs / 1000).toFixed(1),
  ]);
  const lines = [
    formatTable(['resource', 'status', 'pages', 'records', 'rejected', 'retries', 'records/s', 'seconds'], rows),
  ];
  for (const r of results) if (r.error) lines.push(`${r.resource}: ${r.error}`);
  for (const r of results) for (const warning of r.warnings ?? []) lines.push(`${r.resource}: warning: ${warning}`);
  for (const r of results) {
    // Discards are the contract working, not failures: said once per resource (docs/schemas.md, "Schema contract").
    const parts = [
      r.discardedRows ? `${r.discardedRows} records sent to ${r.topic}.dlq (discard_row)` : '',
      r.discardedValues ? `${r.discardedValues} values dropped (discard_value)` : '',
    ].filter(Boolean);
    if (parts.length > 0) lines.push(`${r.resource}: schema_contract: ${parts.join(', ')}`);
  }
  return lines.join('\n');
}
