// `npm run bench -- --scale` (scripts/bench.sh starts the local 3-node cluster when none is given): the consume
// stage with 1, 2 and 3 `streamtap consume` processes in one group, against a topic on the 3-broker cluster.
// Each process inserts into its own embedded ClickHouse (its own data dir), or into the server at
// CLICKHOUSE_URL when set. Markdown to stdout, progress to stderr. Options: --help.
//
// What is measured: the records are produced once (REST → Avro → Kafka); each count N then loads all of
// them with a consumer group of its own, N processes spawned together. The group's committed offsets are
// polled every 100 ms. Reported: the wall rate (spawn → every offset committed, which includes starting
// the processes, joining and rebalancing as members arrive) and the rate while the group was stable with
// all N members (when that window held at least half the records).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import kafkajs, { type Admin } from 'kafkajs';
import savvycal from '../pipelines/savvycal.js';
import { clickhouseSettingsFromEnv, openClickHouse } from '../src/clickhouse/client.js';
import { createKafka, kafkaSettingsFromEnv } from '../src/kafka/client.js';
import { startMockApi } from '../src/mock-api/index.js';
import { produce } from '../src/producers/produce.js';
import { benchLogger, benchSource } from './lib/context.js';

const USAGE = `npm run bench -- --scale [options]
  --records N       events to load                      BENCH_RECORDS    (default 60000)
  --partitions N    partitions of the topic             BENCH_PARTITIONS (default 6: 6, 3 and 2 per consumer)
  --consumers LIST  consumer process counts to run      BENCH_CONSUMERS  (default 1,2,3)
  --page-size N     the stand-in's page size            BENCH_PAGE_SIZE  (default 100)
Brokers: KAFKA_CLUSTER_BROKERS (scripts/bench.sh starts the local 3-node cluster without it).
ClickHouse: CLICKHOUSE_URL for a server shared by the consumers; else one embedded engine per process.`;

const log = (message: string): void => void process.stderr.write(`bench scale: ${message}\n`);

function options() {
  const { values } = parseArgs({
    options: {
      scale: { type: 'boolean' },
      records: { type: 'string' },
      partitions: { type: 'string' },
      consumers: { type: 'string' },
      'page-size': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const int = (name: string, value: string | undefined, fallback: number): number => {
    const n = Number(value ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} wants a positive integer, got "${value}"`);
    return n;
  };
  const consumers = (values.consumers ?? process.env.BENCH_CONSUMERS ?? '1,2,3')
    .split(',')
    .map((c) => int('consumers', c.trim(), 1));
  const brokers = process.env.KAFKA_CLUSTER_BROKERS;
  if (!brokers) throw new Error('KAFKA_CLUSTER_BROKERS is not set (npm run bench -- --scale starts the cluster)');
  return {
    records: int('records', values.records ?? process.env.BENCH_RECORDS, 60_000),
    partitions: int('partitions', values.partitions ?? process.env.BENCH_PARTITIONS, 6),
    consumers,
    pageSize: int('page-size', values['page-size'] ?? process.env.BENCH_PAGE_SIZE, 100),
    brokers,
  };
}

interface Row {
  readonly consumers: number;
  /** spawning the processes → every offset committed: what a user waits for, joins included */
  readonly wallSeconds: number;
  readonly wallRate: number;
  /** records committed while the group was stable with all N / that time; unset when that was under half */
  readonly windowRate: number | undefined;
  readonly windowRecords: number;
  readonly stableAfterSeconds: number | undefined;
}

async function committed(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (t?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
}

/** The group is stable with `n` members and every partition of `topic` is assigned. */
async function stableWith(admin: Admin, groupId: string, topic: string, n: number, partitions: number) {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  if (group?.state !== 'Stable' || group.members.length !== n) return false;
  const assigned = group.members.flatMap((m) =>
    m.memberAssignment.length > 0
      ? (kafkajs.AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? [])
      : [],
  );
  return new Set(assigned).size === partitions;
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((done) =>
    child.exitCode !== null || child.signalCode !== null ? done(child.exitCode) : child.once('exit', done),
  );

async function main(): Promise<void> {
  const opts = options();
  const logger = benchLogger();
  const kafka = createKafka(kafkaSettingsFromEnv({ KAFKA_BROKERS: opts.brokers }), logger);
  const token = randomBytes(16).toString('hex');
  const api = await startMockApi({ token, events: opts.records, eventDetail: 'compact' });
  const base = `bench_scale_${randomBytes(4).toString('hex')}`;
  const work = mkdtempSync(join(tmpdir(), 'streamtap-bench-scale-'));
  const schemasDir = join(work, 'schemas');
  mkdirSync(schemasDir);
  symlinkSync(resolve('schemas/savvycal'), join(schemasDir, base));
  const topic = `${base}.events`;
  const children = new Set<ChildProcess>();
  process.on('exit', () => {
    for (const c of children) c.kill('SIGKILL');
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    // The records once, through the real producer (REST → Avro → Kafka); each count N then loads them all
    // with a group of its own.
    const source = benchSource({ sourceName: base, baseUrl: api.url, token, pageSize: opts.pageSize });
    log(`producing ${opts.records} events to ${base}.events (${opts.partitions} partitions) on ${opts.brokers}`);
    const t0 = performance.now();
    const report = await produce({
      source,
      kafka,
      schemasDir,
      secrets: { env: { API_KEY: token } },
      logger,
      resources: ['events'],
      partitions: opts.partitions,
    });
    const events = report.resources[0];
    if (!events?.ok || events.records !== opts.records)
      throw new Error(`produce failed: ${events?.error ?? `${events?.records} of ${opts.records} records`}`);
    log(`produced in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // The CLI's config, named after the source (the consumers never call the API).
    const config = join(work, `${base}.json`);
    const raw = structuredClone(savvycal) as { client: { base_url: string } };
    raw.client.base_url = api.url;
    writeFileSync(config, JSON.stringify(raw));

    const rows: Row[] = [];
    for (const n of opts.consumers) {
      const groupId = `${base}.scale-${n}`;
      if (process.env.CLICKHOUSE_URL) await dropDatabase(base);
      log(`${n} consumer process(es) on ${topic}, group ${groupId}`);
      const spawned = performance.now();
      const procs = Array.from({ length: n }, (_, i) => {
        const child = spawn(
          process.execPath,
          [
            'bin/streamtap.js',
            'consume',
            config,
            '--schemas',
            schemasDir,
            '--data-dir',
            join(work, `ch-${n}-${i + 1}`),
            '--group',
            groupId,
            '-r',
            'events',
          ],
          {
            env: {
              ...process.env,
              API_KEY: token,
              KAFKA_BROKERS: opts.brokers,
              KAFKA_CLIENT_ID: `scale-${n}-${i + 1}`,
              STREAMTAP_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
            },
            stdio: ['ignore', 'ignore', process.env.BENCH_LOG_LEVEL ? 'inherit' : 'ignore'],
          },
        );
        children.add(child);
        return child;
      });
      let stableAt: number | undefined;
      let atStable = 0;
      for (;;) {
        const dead = procs.find((p) => p.exitCode !== null);
        if (dead) throw new Error(`a consumer process exited early (code ${dead.exitCode})`);
        const done = await committed(admin, groupId, topic);
        if (stableAt === undefined && (await stableWith(admin, groupId, topic, n, opts.partitions))) {
          stableAt = performance.now();
          atStable = done;
        }
        if (done >= opts.records) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const end = performance.now();
      for (const p of procs) p.kill('SIGTERM');
      await Promise.all(procs.map(exited));
      for (const p of procs) children.delete(p);
      const wallSeconds = (end - spawned) / 1000;
      // The stable window counts when it held most of the load; else the joins decided the figure.
      const windowRecords = stableAt === undefined ? 0 : opts.records - atStable;
      const windowSeconds = stableAt === undefined ? 0 : (end - stableAt) / 1000;
      rows.push({
        consumers: n,
        wallSeconds,
        wallRate: opts.records / wallSeconds,
        windowRate: windowRecords >= opts.records / 2 ? windowRecords / windowSeconds : undefined,
        windowRecords,
        stableAfterSeconds: stableAt === undefined ? undefined : (stableAt - spawned) / 1000,
      });
      log(`${n}: ${Math.round(opts.records / wallSeconds)} records/s from spawn to the end`);
    }
    print(opts, rows);
  } finally {
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await api.close();
    rmSync(work, { recursive: true, force: true });
  }
}

async function dropDatabase(db: string): Promise<void> {
  const ch = await openClickHouse(clickhouseSettingsFromEnv(process.env, tmpdir()));
  try {
    await ch.command({ query: `DROP DATABASE IF EXISTS \`${db}\` SYNC` });
  } finally {
    await ch.close();
  }
}

function print(opts: ReturnType<typeof options>, rows: readonly Row[]): void {
  const one = rows.find((r) => r.consumers === 1);
  const sink = process.env.CLICKHOUSE_URL ? 'a ClickHouse server (CLICKHOUSE_URL)' : 'one embedded engine per process';
  const ratio = (r: number | undefined, b: number | undefined) => (r && b ? (r / b).toFixed(2) : '–');
  const lines = [
    `## Consumer scaling: ${opts.records} records, ${opts.partitions} partitions, 3 brokers (RF 3), ${sink}`,
    '',
    `${cpus().length} cores. Wall: spawn → every offset committed (joins and rebalances included). Stable: records`,
    'committed while the group was stable with all N members / that time (shown when it held at least half).',
    '',
    '| consumer processes | records/s (wall) | vs 1 | records/s (stable) | vs 1 | wall s | group stable after s | records in stable window |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.consumers} | ${Math.round(r.wallRate)} | ${ratio(r.wallRate, one?.wallRate)} | ${r.windowRate ? Math.round(r.windowRate) : '–'} | ${ratio(r.windowRate, one?.windowRate)} | ${r.wallSeconds.toFixed(1)} | ${r.stableAfterSeconds?.toFixed(1) ?? '–'} | ${r.windowRecords} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
