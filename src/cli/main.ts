// The `streamtap` command line. Exit codes: 0 every resource succeeded, 1 a resource or stage failed,
// 2 the config or the command line is wrong.
import { Command, Option } from 'commander';
import { classifyFailure, errorCode, ErrorCode } from '../errors.js';
import { STAND_IN_NOW, startMockApi, type EventDetail } from '../mock-api/index.js';
import { formatTable, runConsume, withStandIn } from './commands.js';
import { createContext, DEFAULT_CONFIG, type CommonFlags, type Context } from './context.js';
import { formatInferResults, inferSchemas } from './schema-infer.js';
import { registerDlqCommands } from './dlq.js';
import { registerCheckCommand } from './check.js';
import { connectionOptions, processOptions, registerOpsCommands } from './ops-commands.js';
import { produceCommand, runCommand, withOperations, type ScheduleFlags } from './schedule.js';
import { openQueryClient } from '../observability/query-endpoint.js';
import { scrub } from '../redact.js';
import { effectiveEnv } from './settings.js';
import { formatSqlResult, splitFormatClause, splitVerticalSuffix, SQL_FORMATS, type SqlFormat } from './sql-output.js';
import { consumerSettings, type ConsumerFlags } from '../consumers/settings.js';
import { applyHeapGrowingPercent, HEAP_GROWING_ENV, heapGrowingPercent } from './heap-growth.js';

const program = new Command('streamtap')
  .description('Streaming ETL: paginated REST APIs → Kafka (Avro) → ClickHouse (ReplacingMergeTree)')
  .showHelpAfterError();

function common(cmd: Command): Command {
  return connectionOptions(cmd)
    .argument('[config]', 'source config (.ts, .js, .json, .yaml)', DEFAULT_CONFIG)
    .option('--brokers <list>', 'Kafka bootstrap servers (env KAFKA_BROKERS, default localhost:9092)')
    .option('--clickhouse-url <url>', 'ClickHouse server (env CLICKHOUSE_URL); default: embedded under --data-dir')
    .option('--data-dir <dir>', 'data directory of the embedded ClickHouse (env STREAMTAP_DATA_DIR, default .data)')
    .option('--schemas <dir>', 'Avro schema directory (env STREAMTAP_SCHEMAS_DIR, default schemas)')
    .option('--base-url <url>', 'override client.base_url (env STREAMTAP_BASE_URL)')
    .option('-r, --resource <name...>', 'only these resources')
    .option('--log-level <level>', 'trace, debug, info, warn, error (env STREAMTAP_LOG_LEVEL)');
}

const mockApiOption = new Option(
  '--mock-api',
  'read from a local stand-in of the API instead of base_url (no API key needed)',
);

processOptions(common(program.command('produce')))
  .description('extract every resource once (or --every interval) and publish its records to Kafka')
  .option(
    '--every <interval>',
    'extract again on this interval, e.g. 30s, 15m, 1h (env STREAMTAP_EVERY); stop with SIGINT/SIGTERM',
  )
  .addOption(mockApiOption)
  .action(async (config: string, flags: ScheduleFlags & { mockApi?: boolean }) => {
    await withOptionalStandIn(await createContext(config, flags), flags.mockApi, (ctx) => produceCommand(ctx, flags));
  });

processOptions(common(program.command('consume')))
  .description('load the topics into ClickHouse until stopped (SIGINT/SIGTERM), or until caught up')
  .option('--until-caught-up', 'stop once the consumer group has reached the end of every topic')
  .option('--batch-records <n>', 'records per insert (env STREAMTAP_BATCH_RECORDS, default 20000)')
  .option('--batch-bytes <n>', 'message bytes per insert (env STREAMTAP_BATCH_BYTES, default 4 MiB)')
  .option('--batch-wait-ms <ms>', 'longest wait for a batch to fill (env STREAMTAP_BATCH_WAIT_MS, default 1000)')
  .option('--group <id>', 'consumer group (env STREAMTAP_CONSUMER_GROUP, default streamtap.<source>)')
  .option('--cluster <name>', 'create tables ON CLUSTER, replicated (env STREAMTAP_CLICKHOUSE_CLUSTER)')
  .option('--distributed', 'with --cluster: <table>_local shards behind a Distributed <table>')
  .option(
    '--shutdown-timeout-ms <ms>',
    'longest clean stop after SIGTERM/SIGINT (env STREAMTAP_SHUTDOWN_TIMEOUT_MS, default 30000)',
  )
  .option(
    '--session-timeout-ms <ms>',
    'a member silent this long loses its partitions to the group (env STREAMTAP_SESSION_TIMEOUT_MS, default 10000)',
  )
  .option(
    '--heartbeat-interval-ms <ms>',
    'group heartbeat interval (env STREAMTAP_HEARTBEAT_INTERVAL_MS, default 1000)',
  )
  .action(async (config: string, flags: CommonFlags & ConsumerFlags & { untilCaughtUp?: boolean }) => {
    const ctx = await createContext(config, flags);
    const settings = consumerSettings(flags, ctx.env);
    applyHeapGrowingPercent(heapGrowingPercent(ctx.env[HEAP_GROWING_ENV], 0));
    const abort = stopOnSignals();
    // However stuck a connection is, a stop request ends the process in bounded time.
    abort.signal.addEventListener(
      'abort',
      () => setTimeout(() => process.exit(0), settings.shutdownTimeoutMs + 5_000).unref(),
      { once: true },
    );
    let skipped = 0;
    await withOperations(ctx, flags, 'consume', async (ctx, ch) => {
      const report = await runConsume({
        context: ctx,
        clickhouse: ch,
        until: flags.untilCaughtUp ? 'caught-up' : 'signal',
        resources: flags.resource,
        signal: abort.signal,
        settings,
      });
      const rows = report.tables.map((t) => [
        t.table,
        String(t.records),
        String(t.rows),
        String(t.deadLetters),
        String(t.deleted),
      ]);
      console.log(formatTable(['table', 'messages', 'rows inserted', 'dead letters', 'deleted keys'], rows));
      for (const t of report.skipped)
        console.error(`streamtap: ${t.table} was not loaded, its table cannot be set up: ${t.error.message}`);
      skipped = report.skipped.length;
    });
    process.exitCode = skipped > 0 ? 1 : 0;
  });

registerDlqCommands(program, common);
registerCheckCommand(program, common, mockApiOption);

processOptions(common(program.command('run')))
  .description(
    'produce every resource once with the consumer loading beside it until caught up, print row counts (again --every interval); exit 1 if a resource failed',
  )
  .option(
    '--every <interval>',
    'produce and load again on this interval, e.g. 15m (env STREAMTAP_EVERY); stop with SIGINT/SIGTERM',
  )
  .addOption(mockApiOption)
  .action(async (config: string, flags: ScheduleFlags & { mockApi?: boolean }) => {
    await withOptionalStandIn(await createContext(config, flags), flags.mockApi, (ctx) => runCommand(ctx, flags));
  });

registerOpsCommands(program, common);

const schema = program.command('schema').description('Avro schemas of the resources');
common(schema.command('infer'))
  .description(
    'sample the API and write or widen schemas/<source>/<resource>.avsc (never narrows; keeps the old version as <resource>.v<N>.avsc)',
  )
  .option('--pages <n>', 'pages to sample per resource', '5')
  .option('--dry-run', 'print the changes, write nothing')
  .addOption(mockApiOption)
  .action(async (config: string, flags: CommonFlags & { pages: string; dryRun?: boolean; mockApi?: boolean }) => {
    await withOptionalStandIn(await createContext(config, flags), flags.mockApi, async (ctx) => {
      const results = await inferSchemas(ctx, flags.resource, Number(flags.pages), { dryRun: Boolean(flags.dryRun) });
      console.log(formatInferResults(results));
      return 0;
    });
  });

program
  .command('sql')
  .description('run a query against the configured ClickHouse and print the result')
  .argument('<query>', 'SQL, e.g. "SELECT count() FROM savvycal.events FINAL"')
  .option('--clickhouse-url <url>', 'ClickHouse server (env CLICKHOUSE_URL); default: embedded under --data-dir')
  .option('--data-dir <dir>', 'data directory of the embedded ClickHouse (env STREAMTAP_DATA_DIR, default .data)')
  .option('--clickhouse-user <user>', 'ClickHouse server user (env CLICKHOUSE_USER; password from CLICKHOUSE_PASSWORD)')
  .option('--clickhouse-database <db>', 'default database of the connection (env CLICKHOUSE_DATABASE)')
  .option('--settings <file>', 'process settings, YAML or JSON (env STREAMTAP_SETTINGS)')
  .addOption(
    new Option(
      '--format <format>',
      "output format; 'vertical' prints one block per row for wide tables (a query ending in \\G or FORMAT Vertical picks it too)",
    )
      .choices(SQL_FORMATS)
      .default('table'),
  )
  .action(async (sql: string, flags: { clickhouseUrl?: string; dataDir?: string; format: SqlFormat }) => {
    const { clickhouseSettingsFromEnv } = await import('../clickhouse/client.js');
    const suffix = splitVerticalSuffix(sql);
    const clause = splitFormatClause(suffix.query);
    const query = clause.query;
    const format = suffix.vertical ? 'vertical' : (clause.format ?? flags.format);
    // While a consumer holds the embedded engine, the query goes through that consumer (read-only).
    const env = effectiveEnv(flags, process.env);
    const ch = await openQueryClient(clickhouseSettingsFromEnv(env, flags.dataDir));
    try {
      const { names, types, rows } = await ch.query(query);
      const out = formatSqlResult(names, rows, format, types);
      if (out !== '') console.log(out);
    } finally {
      await ch.close();
    }
  });

program
  .command('mock-api')
  .description(
    'serve a local stand-in of the scheduling API (for demos, tests and benchmarks); /v1/events lists the upcoming ' +
      `confirmed events at the stand-in's clock (${STAND_IN_NOW}) unless ?state= (confirmed, canceled, all) and ` +
      '?period= (past, upcoming, all) say otherwise, as SavvyCal documents',
  )
  .option('--port <port>', 'port (0 picks a free one)', '8787')
  .option('--host <host>', 'interface', '127.0.0.1')
  .option('--events <n>', 'number of events', '5000')
  .option('--links <n>', 'number of scheduling links', '25')
  .addOption(
    new Option('--event-detail <detail>', "'full' events (~2.6 KB) or 'compact' ones without their people (~1.2 KB)")
      .choices(['full', 'compact'])
      .default('full'),
  )
  .option('--token <token>', 'required bearer token (default: any non-empty token)')
  .option('--fault-every <n>', 'answer every Nth request with a fault')
  .option('--fault-statuses <list>', 'fault statuses in rotation', '429,503')
  .option('--retry-after <value>', 'Retry-After header on faults (seconds or HTTP date)')
  .action(async (flags: Record<string, string | undefined>) => {
    const api = await startMockApi({
      host: flags.host,
      port: Number(flags.port),
      events: Number(flags.events),
      links: Number(flags.links),
      eventDetail: flags.eventDetail as EventDetail,
      ...(flags.token ? { token: flags.token } : {}),
      ...(flags.faultEvery
        ? {
            faults: {
              every: Number(flags.faultEvery),
              statuses: String(flags.faultStatuses).split(',').map(Number),
              ...(flags.retryAfter ? { retryAfter: flags.retryAfter } : {}),
            },
          }
        : {}),
    });
    console.log(`stand-in API listening on ${api.url} (Ctrl-C to stop)`);
    const abort = stopOnSignals();
    await new Promise((resolve) => abort.signal.addEventListener('abort', resolve, { once: true }));
    await api.close();
  });

async function withOptionalStandIn(
  context: Context,
  mock: boolean | undefined,
  fn: (ctx: Context) => Promise<number>,
): Promise<void> {
  if (!mock) {
    process.exitCode = await fn(context);
    return;
  }
  const standIn = await withStandIn(context);
  try {
    process.exitCode = await fn(standIn.context);
  } finally {
    await standIn.api.close();
  }
}

/** First SIGINT/SIGTERM asks for a clean stop; a second one exits at once. */
function stopOnSignals(): AbortController {
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (abort.signal.aborted) process.exit(130);
    console.error(`${signal}: finishing the current batch, then stopping (send again to exit now)`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return abort;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const e = error as Error & { code?: string };
  console.error(`streamtap: ${scrub(e.message)}`);
  const { exitCode } = classifyFailure(e);
  if (exitCode === 2) {
    if (errorCode(e) === ErrorCode.SECRET_MISSING)
      console.error('hint: or add --mock-api to read from the local stand-in API');
    process.exitCode = 2;
  } else {
    if (process.env.STREAMTAP_LOG_LEVEL === 'debug' && e.stack) console.error(scrub(e.stack));
    process.exitCode = 1;
  }
}
