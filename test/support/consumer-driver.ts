// A consumer process for fault tests: `node --import tsx test/support/consumer-driver.ts '<json>'`.
// It runs the real consume() against the real broker and an embedded ClickHouse, with one hook at the
// ClickHouse client boundary that holds the process right after a chosen insert was accepted (before its
// offsets are committed), so a test can SIGKILL it there, or SIGTERM it there and watch a clean stop.
// Prints `HELD <n>` when holding after insert n, and `DONE <json report>` when consume() returned.
import { clickhouseSettingsFromEnv, openClickHouse } from '../../src/clickhouse/client.js';
import type { ResolvedSource } from '../../src/config/source.js';
import { consume } from '../../src/consumers/consume.js';
import { createKafka, kafkaSettingsFromEnv } from '../../src/kafka/client.js';
import { createLogger } from '../../src/log.js';
import { faultyClickHouse } from './consumer-fixtures.js';

interface DriverArgs {
  readonly source: ResolvedSource;
  readonly schemasDir: string;
  readonly dataDir: string;
  readonly brokers: string;
  readonly groupId: string;
  readonly maxRecords: number;
  /** hold after this insert: `forever` (until killed) or `until-signal` (then let the insert return) */
  readonly holdAfter: number;
  readonly hold: 'forever' | 'until-signal';
}

const args = JSON.parse(process.argv[2] ?? '{}') as DriverArgs;
const logger = createLogger(process.env.STREAMTAP_TEST_LOG ?? 'warn');
const stop = new AbortController();
let signalled: () => void = () => undefined;
const signal = new Promise<void>((resolve) => (signalled = resolve));
process.on('SIGTERM', () => {
  stop.abort();
  signalled();
});

const ch = await openClickHouse(clickhouseSettingsFromEnv(process.env, args.dataDir));
const faulty = faultyClickHouse(ch, {
  afterInsert: async (n) => {
    if (n !== args.holdAfter) return;
    process.stdout.write(`HELD ${n}\n`);
    if (args.hold === 'forever') await new Promise(() => undefined);
    await signal;
  },
});
const report = await consume({
  source: args.source,
  kafka: createKafka(kafkaSettingsFromEnv({ KAFKA_BROKERS: args.brokers }), logger),
  clickhouse: faulty.client,
  schemasDir: args.schemasDir,
  logger,
  resources: ['events'],
  groupId: args.groupId,
  until: 'signal',
  signal: stop.signal,
  batch: { maxRecords: args.maxRecords },
  // One partition at a time, so "the n-th insert" and the offsets committed before it are the same on
  // every run; the kill and stop guarantees are per partition and do not depend on it.
  partitionsInParallel: 1,
});
await ch.close();
process.stdout.write(
  `DONE ${JSON.stringify({ inserts: faulty.stats.inserts, tables: report.tables, shutdown: report.shutdown })}\n`,
);
