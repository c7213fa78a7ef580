// The operating side of the command line: the options of long-running processes, `status`, and
// `config print`. Registered by main.ts like the other command groups.
import type { Command } from 'commander';
import { loadSourceFile } from '../config/load.js';
import { terminal } from '../observability/terminal.js';
import { describeConfig, formatConfig } from './config-print.js';
import { createContext, DEFAULT_CONFIG, type CommonFlags } from './context.js';
import { resolveSettings } from './settings.js';
import { collectStatus, formatStatus } from './status.js';

/** Options every command that talks to Kafka or ClickHouse shares: settings file and secure connections. */
export function connectionOptions(cmd: Command): Command {
  return cmd
    .option(
      '--settings <file>',
      'process settings, YAML or JSON (env STREAMTAP_SETTINGS); precedence: flag > env > file',
    )
    .option('--kafka-ssl', 'connect to Kafka with TLS (env KAFKA_SSL=true)')
    .option('--kafka-ssl-ca-file <file>', 'PEM CA bundle for Kafka TLS (env KAFKA_SSL_CA_FILE)')
    .option(
      '--kafka-sasl-mechanism <mechanism>',
      'plain, scram-sha-256 or scram-sha-512 (env KAFKA_SASL_MECHANISM; password from KAFKA_SASL_PASSWORD)',
    )
    .option('--kafka-sasl-username <user>', 'SASL user (env KAFKA_SASL_USERNAME)')
    .option(
      '--clickhouse-user <user>',
      'ClickHouse server user (env CLICKHOUSE_USER; password from CLICKHOUSE_PASSWORD)',
    )
    .option('--clickhouse-database <db>', 'default database of the ClickHouse connection (env CLICKHOUSE_DATABASE)');
}

/** Options of the processes that run for long: produce, consume, run. */
export function processOptions(cmd: Command): Command {
  return cmd
    .option(
      '--metrics-port <port>',
      'serve Prometheus /metrics, /healthz and /readyz on this port; 0 picks one (env STREAMTAP_METRICS_PORT)',
    )
    .option('--metrics-host <host>', 'interface of the metrics server (env STREAMTAP_METRICS_HOST, default 0.0.0.0)')
    .option('--no-progress', 'no live progress lines on a terminal (env STREAMTAP_PROGRESS=never)')
    .option('--partitions <n>', 'partitions of new resource topics (env STREAMTAP_TOPIC_PARTITIONS, default 3)')
    .option(
      '--replication-factor <n>',
      'replication factor of new topics (env STREAMTAP_TOPIC_REPLICATION_FACTOR; default from the cluster size)',
    )
    .option(
      '--min-insync-replicas <n>',
      'min.insync.replicas of new topics (env STREAMTAP_TOPIC_MIN_INSYNC_REPLICAS; default from the replicas)',
    )
    .option(
      '--max-message-bytes <bytes>',
      'max.message.bytes of new data and dead-letter topics (env STREAMTAP_TOPIC_MAX_MESSAGE_BYTES, default 8388608 = 8 MiB)',
    );
}

export function registerOpsCommands(program: Command, common: (cmd: Command) => Command): void {
  common(program.command('status'))
    .description(
      'per resource: last extraction, topic end offsets, consumer lag, rows in ClickHouse (FINAL); exit 1 if a last extraction failed',
    )
    .option('--json', 'print JSON instead of a table')
    .option('--group <id>', 'consumer group (env STREAMTAP_CONSUMER_GROUP, default streamtap.<source>)')
    .action(async (config: string, flags: CommonFlags & { json?: boolean; group?: string }) => {
      const ctx = await createContext(config, flags);
      const report = await collectStatus(ctx, flags.resource, flags.group);
      console.log(flags.json ? JSON.stringify(report, null, 2) : formatStatus(report));
      process.exitCode = report.ok ? 0 : 1;
    });

  const config = program.command('config').description('the effective configuration');
  common(config.command('print'))
    .description(
      'print the effective settings and where each came from (flag > env > settings file > default), secrets masked',
    )
    .option('--json', 'print JSON instead of a table')
    .action(async (file: string, flags: CommonFlags & { json?: boolean }) => {
      const resolved = resolveSettings(flags as Readonly<Record<string, unknown>>, process.env);
      // The source is shown when it loads; a broken one is reported without hiding the settings.
      const source = await loadSourceFile(file ?? DEFAULT_CONFIG, {
        env: resolved.env,
        baseUrl: resolved.env.STREAMTAP_BASE_URL,
      }).catch((error: Error) => {
        console.error(`source config not loaded: ${error.message}`);
        return undefined;
      });
      const printed = describeConfig(resolved, source, resolved.env);
      console.log(flags.json ? JSON.stringify(printed, null, 2) : formatConfig(printed));
      if (!flags.json && terminal.isTTY && !resolved.file)
        console.error('hint: put settings in a YAML file and pass --settings <file> (or STREAMTAP_SETTINGS)');
    });
}
