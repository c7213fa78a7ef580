// Everything a producer or consumer process runs beside the pipeline: the progress display (live lines
// on a terminal, JSON lines otherwise), Prometheus metrics and health endpoints (--metrics-port), the
// consumer-lag poller, and — for a consumer on the embedded ClickHouse — the read-only query endpoint
// that lets `streamtap sql` and `streamtap status` work while it runs.
import { readFileSync } from 'node:fs';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin } from 'kafkajs';
import { createKafka, kafkaSettingsFromEnv } from '../kafka/client.js';
import { topicName } from '../contracts/topics.js';
import { selectResources } from '../config/select.js';
import { fanOut, type PipelineObserver } from '../observability/events.js';
import { fetchLag, type PartitionLag } from '../observability/lag.js';
import { Metrics } from '../observability/metrics.js';
import { advertise, endpointFile, newToken, runQuery, withdraw } from '../observability/query-endpoint.js';
import { startOpsServer, type Check, type OpsServer } from '../observability/server.js';
import { terminal } from '../observability/terminal.js';
import type { Context } from './context.js';
import { LiveProgress, ProgressLog } from './progress.js';

export interface OpsFlags {
  readonly metricsPort?: string | undefined;
  readonly metricsHost?: string | undefined;
  /** false with --no-progress */
  readonly progress?: boolean | undefined;
  readonly resource?: string[] | undefined;
}

export interface OpsOptions {
  readonly command: string;
  /** the consumer's ClickHouse client: readiness checks it, and an embedded one is shared through /query */
  readonly clickhouse?: ClickHouseClient | undefined;
  /** the consumer group whose lag is shown and exported */
  readonly groupId?: string | undefined;
}

type Display = LiveProgress | ProgressLog;

export class Ops {
  /** forwards to the current display and to the metrics */
  readonly observer: PipelineObserver;
  private display: Display;
  private lagTimer: NodeJS.Timeout | undefined;
  private lagAdmin: Admin | undefined;
  private healthAdmin: Admin | undefined;
  private endpoint: string | undefined;
  server: OpsServer | undefined;
  metrics: Metrics | undefined;
  private metricsObserver: PipelineObserver | undefined;

  private constructor(
    private readonly ctx: Context,
    private readonly flags: OpsFlags,
    private readonly options: OpsOptions,
  ) {
    this.display = this.newDisplay();
    this.observer = fanOut(
      () => [this.display, this.metricsObserver],
      (error) => ctx.logger.warn({ err: error }, 'a progress or metrics observer failed'),
    );
  }

  static async start(ctx: Context, flags: OpsFlags, options: OpsOptions): Promise<Ops> {
    const ops = new Ops(ctx, flags, options);
    try {
      await ops.startServer();
    } catch (error) {
      await ops.close();
      throw error;
    }
    return ops;
  }

  get live(): boolean {
    const mode = this.flags.progress === false ? 'never' : (this.ctx.env.STREAMTAP_PROGRESS ?? 'auto').toLowerCase();
    return mode === 'always' || (mode !== 'never' && terminal.isTTY);
  }

  private newDisplay(): Display {
    return this.live ? new LiveProgress() : new ProgressLog(this.ctx.logger);
  }

  /** A fresh display for the next scheduled cycle; the last frame of the previous one stays on screen. */
  nextCycle(): void {
    this.stopDisplay();
    this.display = this.newDisplay();
  }

  /** Ends live redraws (before the summary goes to stdout). */
  stopDisplay(): void {
    if (this.display instanceof LiveProgress) this.display.stop();
  }

  /** Consumer lag, polled while consuming: the display shows it draining, /metrics exports it per partition. */
  async watchLag(pollMs = 2_000): Promise<void> {
    if (!this.options.groupId) return;
    const poll = async (): Promise<void> => {
      try {
        this.display.lag(await this.fetchLag());
      } catch (error) {
        this.ctx.logger.debug({ err: error }, 'lag poll failed');
      }
    };
    await poll();
    this.lagTimer ??= setInterval(() => void poll(), pollMs);
    this.lagTimer.unref();
  }

  stopLag(): void {
    if (this.lagTimer) clearInterval(this.lagTimer);
    this.lagTimer = undefined;
  }

  private topics(): string[] {
    return selectResources(this.ctx.source, this.flags.resource).map((r) =>
      topicName(this.ctx.source.name, r.tableName),
    );
  }

  private async fetchLag(): Promise<PartitionLag[]> {
    if (!this.lagAdmin) {
      const admin = this.ctx.kafka.admin();
      await admin.connect();
      this.lagAdmin = admin;
    }
    return fetchLag(this.lagAdmin, this.options.groupId as string, this.topics());
  }

  private async startServer(): Promise<void> {
    const env = this.ctx.env;
    const port = env.STREAMTAP_METRICS_PORT;
    const embedded = this.options.clickhouse !== undefined && !this.ctx.clickhouse.url;
    if (port === undefined && !embedded) return;
    if (port !== undefined && !/^\d+$/.test(port))
      throw new Error(`--metrics-port must be a port number, got "${port}"`);
    if (port !== undefined) {
      this.metrics = new Metrics(this.ctx.source.name, {
        command: this.options.command,
        version: packageVersion(),
        ...(this.options.groupId ? { lag: () => this.fetchLag() } : {}),
      });
      this.metricsObserver = this.metrics.observer();
    }
    const checks: Record<string, Check> = { kafka: () => this.checkKafka() };
    const ch = this.options.clickhouse;
    if (ch) checks.clickhouse = async () => void (await ch.command({ query: 'SELECT 1' }));
    const token = newToken();
    this.server = await startOpsServer({
      port: port === undefined ? 0 : Number(port),
      // Without --metrics-port the server exists only for local queries: loopback only.
      host: port === undefined ? '127.0.0.1' : (env.STREAMTAP_METRICS_HOST ?? '0.0.0.0'),
      metrics: this.metrics,
      checks,
      query: embedded && ch ? { token, run: (sql) => runQuery(ch, sql) } : undefined,
      logger: this.ctx.logger,
    });
    if (port !== undefined)
      this.ctx.logger.info(
        { url: `${this.server.url}/metrics`, port: this.server.port },
        'serving metrics, /healthz and /readyz',
      );
    if (embedded) {
      this.endpoint = endpointFile(this.ctx.clickhouse);
      advertise(this.endpoint, { url: this.server.url, token, pid: process.pid });
      this.ctx.logger.debug(
        { file: this.endpoint },
        'serving read-only queries of the embedded ClickHouse to streamtap sql',
      );
    }
  }

  private async checkKafka(): Promise<void> {
    try {
      if (!this.healthAdmin) {
        // Its own client without retries: a probe answers within the check timeout, it does not wait out an outage.
        const kafka = createKafka(kafkaSettingsFromEnv(this.ctx.env), this.ctx.logger, {
          retry: { retries: 0 },
          connectionTimeout: 2_000,
        });
        const admin = kafka.admin();
        await admin.connect();
        this.healthAdmin = admin;
      }
      await this.healthAdmin.describeCluster();
    } catch (error) {
      const admin = this.healthAdmin;
      this.healthAdmin = undefined;
      await admin?.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    this.stopLag();
    this.stopDisplay();
    if (this.endpoint) withdraw(this.endpoint);
    await this.server?.close();
    await Promise.allSettled([this.lagAdmin?.disconnect(), this.healthAdmin?.disconnect()]);
  }
}

let version: string | undefined;
function packageVersion(): string {
  if (version === undefined) {
    try {
      version =
        (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string })
          .version ?? 'unknown';
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
