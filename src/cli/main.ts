// The `streamtap` command line. Exit codes: 0 every resource succeeded, 1 a resource or stage failed,
// 2 the config or the command line is wrong.
import { Command, Option } from 'commander';
import { ConfigError, SecretMissingError } from '../config/errors.js';
import { SchemaMissingError } from '../avro/schema-store.js';
import { startMockApi } from '../mock-api/index.js';
import { formatProduceReport, formatTable, runConsume, runProduce, tableCounts, withClickHouse, withStandIn } from './commands.js';
import { createContext, DEFAULT_CONFIG, type CommonFlags, type Context } from './context.js';
import { openClickHouse } from '../clickhouse/client.js';
import { relative } from 'node:path';
import { inferSchemas } from './schema-infer.js';

const program = new Command('streamtap')
  .description('Streaming ETL: paginated REST APIs → Kafka (Avro) → ClickHouse (ReplacingMergeTree)')
  .showHelpAfterError();

function common(cmd: Command): Command {
  return cmd
    .argument('[config]', 'source config (.ts, .js, .json, .yaml)', DEFAULT_CONFIG)
    .option('--brokers <list>', 'Kafka bootstrap servers (env KAFKA_BROKERS, default localhost:9092)')
    .option('--clickhouse-url <url>', 'ClickHouse server (env CLICKHOUSE_URL); default: embedded under --data-dir')
    .option('--data-dir <dir>', 'data directory of the embedded ClickHouse (env STREAMTAP_DATA_DIR, default .data)')
    .option('--schemas <dir>', 'Avro schema directory (env STREAMTAP_SCHEMAS_DIR, default schemas)')
    .option('--base-url <url>', 'override client.base_url (env STREAMTAP_BASE_URL)')
    .option('-r, --resource <name...>', 'only these resources')
    .option('--log-level <level>', 'trace, debug, info, warn, error (env STREAMTAP_LOG_LEVEL)');
}

const mockApiOption = new Option('--mock-api', 'read from a local stand-in of the API instead of base_url (no API key needed)');

common(program.command('produce'))
  .description('extract every resource once and publish its records to Kafka')
  .addOption(mockApiOption)
  .action(async (config: string, flags: CommonFlags & { mockApi?: boolean }) => {
    await withOptionalStandIn(await createContext(config, flags), flags.mockApi, async (ctx) => {
      const report = await runProduce(ctx, flags.resource);
      console.log(formatProduceReport(report));
      return report.ok ? 0 : 1;
    });
  });

common(program.command('consume'))
  .description('load the topics into ClickHouse until stopped (SIGINT/SIGTERM), or until caught up')
  .option('--until-caught-up', 'stop once the consumer group has reached the end of every topic')
  .action(async (config: string, flags: CommonFlags & { untilCaughtUp?: boolean }) => {
    const ctx = await createContext(config, flags);
    const abort = stopOnSignals();
    await withClickHouse(ctx, async (ch) => {
      const report = await runConsume(ctx, ch, flags.untilCaughtUp ? 'caught-up' : 'signal', flags.resource, abort.signal);
      console.log(formatTable(['table', 'rows inserted', 'dead letters'], report.tables.map((t) => [t.table, String(t.rows), String(t.deadLetters)])));
    });
    process.exitCode = 0;
  });

common(program.command('run'))
  .description('produce every resource once, consume until caught up, print row counts; exit 1 if a resource failed')
  .addOption(mockApiOption)
  .action(async (config: string, flags: CommonFlags & { mockApi?: boolean }) => {
    await withOptionalStandIn(await createContext(config, flags), flags.mockApi, async (ctx) => {
      const produced = await runProduce(ctx, flags.resource);
      console.log(formatProduceReport(produced));
      const ch = await openClickHouse(ctx.clickhouse);
      try {
        await runConsume(ctx, ch, 'caught-up', flags.resource);
        const counts = await tableCounts(ctx, ch, flags.resource);
        console.log(`\n${formatTable(['table', 'rows (FINAL)'], counts.map((c) => [c.table, String(c.rows)]))}`);
        const first = counts[0];
        if (first) console.log(`\nTry:  npx streamtap sql "SELECT * FROM ${first.table} FINAL LIMIT 5"`);
      } finally {
        await ch.close();
      }
      return produced.ok ? 0 : 1;
    });
  });

const schema = program.command('schema').description('Avro schemas of the resources');
common(schema.command('infer'))
  .description('sample the API and write schemas/<source>/<resource>.avsc')
  .option('--pages <n>', 'pages to sample per resource', '5')
  .option('--force', 'replace an existing schema file')
  .addOption(mockApiOption)
  .action(async (config: string, flags: CommonFlags & { pages: string; force?: boolean; mockApi?: boolean }) => {
    await withOptionalStandIn(await createContext(config, flags), flags.mockApi, async (ctx) => {
      const results = await inferSchemas(ctx, flags.resource, Number(flags.pages), Boolean(flags.force));
      console.log(formatTable(['resource', 'sampled', 'file', 'action'], results.map((r) => [r.resource, String(r.records), relative(process.cwd(), r.file), r.action])));
      return 0;
    });
  });

program
  .command('sql')
  .description('run a query against the configured ClickHouse and print the result')
  .argument('<query>', 'SQL, e.g. "SELECT count() FROM savvycal.events FINAL"')
  .option('--clickhouse-url <url>', 'ClickHouse server (env CLICKHOUSE_URL); default: embedded under --data-dir')
  .option('--data-dir <dir>', 'data directory of the embedded ClickHouse (env STREAMTAP_DATA_DIR, default .data)')
  .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'tsv']).default('table'))
  .action(async (query: string, flags: { clickhouseUrl?: string; dataDir?: string; format: string }) => {
    const { clickhouseSettingsFromEnv } = await import('../clickhouse/client.js');
    const env = flags.clickhouseUrl ? { ...process.env, CLICKHOUSE_URL: flags.clickhouseUrl } : process.env;
    const ch = await openClickHouse(clickhouseSettingsFromEnv(env, flags.dataDir));
    try {
      const rs = await ch.query({ query, format: 'JSONCompactEachRowWithNames' });
      const [names = [], ...rows] = await rs.json<unknown[]>();
      const cell = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
      if (flags.format === 'json') for (const r of rows) console.log(JSON.stringify(Object.fromEntries(names.map((n, i) => [String(n), r[i]]))));
      else if (flags.format === 'tsv') console.log([names, ...rows].map((r) => r.map(cell).join('\t')).join('\n'));
      else console.log(formatTable(names.map(String), rows.map((r) => r.map(cell))));
    } finally {
      await ch.close();
    }
  });

program
  .command('mock-api')
  .description('serve a local stand-in of the scheduling API (for demos, tests and benchmarks)')
  .option('--port <port>', 'port (0 picks a free one)', '8787')
  .option('--host <host>', 'interface', '127.0.0.1')
  .option('--events <n>', 'number of events', '5000')
  .option('--links <n>', 'number of scheduling links', '25')
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

async function withOptionalStandIn(context: Context, mock: boolean | undefined, fn: (ctx: Context) => Promise<number>): Promise<void> {
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
  console.error(`streamtap: ${e.message}`);
  if (e instanceof ConfigError || e instanceof SecretMissingError || e instanceof SchemaMissingError) {
    if (e instanceof SecretMissingError) console.error('hint: or add --mock-api to read from the local stand-in API');
    process.exitCode = 2;
  } else {
    if (process.env.STREAMTAP_LOG_LEVEL === 'debug' && e.stack) console.error(e.stack);
    process.exitCode = 1;
  }
}
