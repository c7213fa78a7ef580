// `npm run bench`: the seed pipeline against the local stand-in API, each stage in its own process.
// Progress goes to stderr; the Markdown report to stdout; results to bench/results/<date>.json.
// Options: see bench/lib/options.ts (or `npm run bench -- --help`).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { Admin } from 'kafkajs';
import { MockDataset, TIME_ZONES, type EventDetail } from '../src/mock-api/index.js';
import { benchKafka, benchLogger } from './lib/context.js';
import { parseOptions, STAGE_TITLES, UsageError, USAGE, type BenchOptions, type StageName } from './lib/options.js';
import { flameGraphSvg } from './lib/flame.js';
import { formatProfile, summariseProfile, type ProfileSummary } from './lib/profile.js';
import type { SideMeasures, StageParams, StageResult } from './lib/protocol.js';
import { markdownTable, summarise, svgChart, type StageSummary } from './lib/report.js';
import { cpuModel, localBrokerPid, machineCpu, machineShare, processCpuSeconds } from './lib/system.js';

const LINKS = 25; // the stand-in's default number of scheduling links
const log = (message: string): void => void process.stderr.write(`bench: ${message}\n`);

// ------------------------------------------------------------------------------------------ children

const children = new Set<ChildProcess>();
/** children started in their own process group (spawnTool) */
const groups = new WeakSet<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Tools run through /usr/bin/time and bash (JVM, Python) get their own process group: stop all of it. */
function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    if (groups.has(child)) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}

function spawnTool(cmd: readonly string[]): ChildProcess {
  const child = track(spawn(cmd[0] as string, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  groups.add(child);
  return child;
}

interface MockApiProcess {
  readonly url: string;
  readonly token: string;
  cpuSeconds(): Promise<number | null>;
  stop(): Promise<void>;
}

/** Mean JSON size of the stand-in's events (its defaults: seed 42, 25 links), over the first 2,000. */
function meanEventBytes(eventDetail: EventDetail): number {
  const dataset = new MockDataset({ seed: 42, linkPool: LINKS, eventDetail });
  let bytes = 0;
  for (let i = 0; i < 2_000; i++) bytes += Buffer.byteLength(JSON.stringify(dataset.event(i, 1)));
  return Math.round(bytes / 2_000);
}

async function startMockApiProcess(events: number, eventDetail: EventDetail): Promise<MockApiProcess> {
  const token = randomBytes(16).toString('hex');
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', 'bench/mock-api.ts', String(events), eventDetail], {
      stdio: ['ignore', 2, 2, 'ipc'],
      env: { ...process.env, BENCH_MOCK_TOKEN: token },
    }),
  );
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`the stand-in API process exited (code ${String(code)}) before listening`)),
    );
    child.once('message', (m) => resolveUrl((m as { url: string }).url));
  });
  return {
    url,
    token,
    cpuSeconds: () =>
      new Promise((resolveCpu) => {
        if (!child.connected) return resolveCpu(null);
        const timer = setTimeout(() => resolveCpu(null), 2_000);
        child.once('message', (m) => {
          clearTimeout(timer);
          resolveCpu((m as { usage?: { cpuS: number } }).usage?.cpuS ?? null);
        });
        child.send('usage');
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      if (child.connected) child.send('stop');
      else stop(child);
      await exited;
    },
  };
}

interface SideProbe {
  finish(): Promise<SideMeasures>;
}

function sideProbe(mock: MockApiProcess, brokerPid: number | null): Promise<SideProbe> {
  const t0 = performance.now();
  const machine0 = machineCpu();
  const broker0 = processCpuSeconds(brokerPid);
  return mock.cpuSeconds().then((mock0) => ({
    finish: async () => {
      const mock1 = await mock.cpuSeconds();
      const broker1 = processCpuSeconds(brokerPid);
      const round = (x: number | null): number | null => (x === null ? null : Math.round(x * 100) / 100);
      const machine = machineShare(machine0, machineCpu());
      return {
        processSeconds: Math.round(performance.now() - t0) / 1000,
        machineBusy: machine?.busy ?? null,
        machineSteal: machine?.steal ?? null,
        machineCpuS: machine?.busyCpuS ?? null,
        mockApiCpuS: mock0 === null || mock1 === null ? null : round(mock1 - mock0),
        brokerCpuS: broker0 === null || broker1 === null ? null : round(broker1 - broker0),
      };
    },
  }));
}

/** An external tool (Kafka's ProducerPerformance, dlt) run to completion under the stage time limit, with the side probe around it. */
async function runTool(
  cmd: readonly string[],
  stage: string,
  mock: MockApiProcess,
  brokerPid: number | null,
  timeoutS: number,
): Promise<{ code: number | null; out: string; err: string; measures: Awaited<ReturnType<SideProbe['finish']>> }> {
  const side = await sideProbe(mock, brokerPid);
  const child = spawnTool(cmd);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => {
    log(`${stage} still running after ${timeoutS} s: stopping it`);
    stop(child);
  }, timeoutS * 1000);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(timer);
  return { code, out, err, measures: await side.finish() };
}

/** One stage in a fresh node process (through tsx, as bin/streamtap.js runs the CLI). */
async function runStageProcess(
  params: StageParams,
  mock: MockApiProcess,
  brokerPid: number | null,
  profileDir: string | null,
  timeoutS: number,
): Promise<StageResult> {
  const args = [
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    '--import',
    'tsx',
    'bench/stages/main.ts',
    JSON.stringify(params),
  ];
  const side = await sideProbe(mock, brokerPid);
  const child = track(spawn(process.execPath, args, { stdio: ['ignore', 2, 2, 'ipc'], env: process.env }));
  let result: StageResult | undefined;
  let snapshot: unknown;
  child.on('message', (m) => {
    if (m && typeof m === 'object' && 'snapshot' in m) snapshot = (m as { snapshot: unknown }).snapshot;
    else result = m as StageResult;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  // A stage that overruns its limit is reported (with what it had done) and stopped, never waited on forever.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    log(`${params.stage} still running after ${timeoutS} s: asking for its progress, then stopping it`);
    if (child.connected) child.send('snapshot');
    setTimeout(() => stop(child), 2_000).unref();
    setTimeout(() => stop(child, 'SIGKILL'), 12_000).unref();
  }, timeoutS * 1000);
  const code = await exited;
  clearTimeout(timer);
  const measures = await side.finish();
  if (!result || timedOut) {
    const why = timedOut
      ? `timed out after ${timeoutS} s (BENCH_STAGE_TIMEOUT); progress: ${JSON.stringify(snapshot ?? null)}`
      : `stage process exited with code ${String(code)} and no result`;
    return {
      stage: params.stage,
      rep: params.rep,
      ok: false,
      error: why,
      records: 0,
      seconds: 0,
      rate: 0,
      maxRssMB: null,
      details: {},
      side: measures,
    };
  }
  return { ...result, side: measures };
}

// ------------------------------------------------------------------------------------------ produce limit

/** Kafka's own producer benchmark from the broker's jars, same count and (Avro) record size, acks=all, idempotent. */
async function runProducerPerformance(
  opts: BenchOptions,
  rep: number,
  admin: Admin,
  topic: string,
  records: number,
  recordSize: number,
  mock: MockApiProcess,
  brokerPid: number | null,
): Promise<StageResult> {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] });
  const timeBin = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'BENCH_MAXRSS_KB=%M BENCH_CPU=%U+%S'] : [];
  const cmd = [
    ...timeBin,
    'bash',
    'scripts/kafka.sh',
    'run',
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--record-size',
    String(recordSize),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${opts.brokers}`,
    'acks=all',
    'enable.idempotence=true',
  ];
  const { code, out, err, measures } = await runTool(cmd, 'produce-limit', mock, brokerPid, opts.stageTimeoutS);
  const base = { stage: 'produce-limit' as const, rep, side: measures };
  const summary = out
    .split('\n')
    .reverse()
    .map((l) =>
      /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency(.*)$/.exec(
        l.trim(),
      ),
    )
    .find((m) => m !== null);
  if (code !== 0 || !summary) {
    return {
      ...base,
      ok: false,
      error: `ProducerPerformance failed (exit ${String(code)}): ${(err || out).trim().split('\n').slice(-5).join(' / ')}`,
      records: 0,
      seconds: 0,
      rate: 0,
      maxRssMB: null,
      details: {},
    };
  }
  const sent = Number(summary[1]);
  const rate = Number(summary[2]);
  const rssKb = /BENCH_MAXRSS_KB=(\d+)/.exec(err)?.[1];
  const cpu = /BENCH_CPU=([\d.]+)\+([\d.]+)/.exec(err);
  return {
    ...base,
    ok: true,
    records: sent,
    seconds: Math.round((sent / rate) * 1000) / 1000,
    rate: Math.round(rate),
    maxRssMB: rssKb ? Math.round(Number(rssKb) / 102.4) / 10 : null,
    ...(cpu ? { cpuS: Math.round((Number(cpu[1]) + Number(cpu[2])) * 100) / 100 } : {}),
    details: {
      command: cmd.filter((c) => !timeBin.includes(c)).join(' '),
      recordSize,
      mbPerSecond: Number(summary[3]),
      avgLatencyMs: Number(summary[4]),
      maxLatencyMs: Number(summary[5]),
      percentiles: summary[6]?.replace(/^,\s*/, '').trim(),
      note: 'JVM process; its rate excludes JVM start-up (the tool times its own send loop); records have no key and no headers',
    },
  };
}

// ------------------------------------------------------------------------------------------ dlt

/** dlt's rest_api_source with the seed's config into duckdb, in a private virtualenv (bench/dlt/). */
async function runDlt(
  opts: BenchOptions,
  rep: number,
  params: Omit<StageParams, 'stage'>,
  mock: MockApiProcess,
  brokerPid: number | null,
): Promise<StageResult> {
  const base = { stage: 'dlt' as const, rep };
  const fail = (error: string, side?: SideMeasures): StageResult => ({
    ...base,
    ok: false,
    error,
    records: 0,
    seconds: 0,
    rate: 0,
    maxRssMB: null,
    details: {},
    ...(side ? { side } : {}),
  });
  let python: string;
  try {
    python = execFileSync('bash', ['bench/dlt/setup.sh'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  } catch (error) {
    return fail(`cannot set up dlt: ${(error as Error).message}`);
  }
  const timeBin = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'BENCH_MAXRSS_KB=%M BENCH_CPU=%U+%S'] : [];
  const cmd = [...timeBin, python, 'bench/dlt/run_dlt.py', JSON.stringify({ ...params, stage: 'dlt' })];
  const { code, out, err, measures } = await runTool(cmd, 'dlt', mock, brokerPid, opts.stageTimeoutS);
  const line = out
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (code !== 0 || !line)
    return fail(`dlt run failed (exit ${String(code)}): ${err.trim().split('\n').slice(-6).join(' / ')}`, measures);
  const r = JSON.parse(line) as {
    records: number;
    counts: Record<string, number>;
    seconds: number;
    maxRssMB: number;
    cpuS: number;
    [k: string]: unknown;
  };
  const wrong = Object.entries(params.expected).filter(([name, n]) => r.counts[name] !== n);
  if (wrong.length > 0)
    return fail(`dlt loaded other counts than the stand-in serves: ${JSON.stringify(r.counts)}`, measures);
  const rssKb = /BENCH_MAXRSS_KB=(\d+)/.exec(err)?.[1];
  const cpu = /BENCH_CPU=([\d.]+)\+([\d.]+)/.exec(err);
  const { records, seconds, maxRssMB, cpuS, ...details } = r;
  return {
    ...base,
    ok: true,
    records,
    seconds: Math.round(seconds * 1000) / 1000,
    rate: Math.round(records / seconds),
    maxRssMB: rssKb ? Math.round(Number(rssKb) / 102.4) / 10 : Math.round(maxRssMB),
    cpuS: cpu ? Math.round((Number(cpu[1]) + Number(cpu[2])) * 100) / 100 : cpuS,
    details,
    side: measures,
  };
}

// ------------------------------------------------------------------------------------------ the run

interface Rep {
  readonly source: string;
  readonly e2eSource: string;
  readonly schemasDir: string;
}

function newRep(root: string): Rep {
  const source = `bench_${randomBytes(4).toString('hex')}`;
  const e2eSource = `${source}_e2e`;
  const schemasDir = join(root, `schemas-${source}`);
  mkdirSync(schemasDir, { recursive: true });
  for (const name of [source, e2eSource]) symlinkSync(resolve('schemas/savvycal'), join(schemasDir, name));
  return { source, e2eSource, schemasDir };
}

async function cleanupKafka(admin: Admin, prefixes: readonly string[]): Promise<void> {
  try {
    const topics = (await admin.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(`${p}.`)));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => prefixes.some((p) => g === `streamtap.${p}`));
    if (groups.length > 0) await admin.deleteGroups(groups);
  } catch (error) {
    log(`cleanup of Kafka topics/groups failed (harmless, names are unique): ${(error as Error).message}`);
  }
}

function gitDescribe(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'pipelines', 'schemas'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return dirty ? `${commit} + uncommitted changes under src/pipelines/schemas` : commit;
  } catch {
    return 'unknown';
  }
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

function detailLines(s: StageSummary, results: readonly StageResult[]): string[] {
  const r = results.filter((x) => x.stage === s.stage && x.ok).sort((a, b) => a.rate - b.rate)[
    Math.floor(results.filter((x) => x.stage === s.stage && x.ok).length / 2)
  ];
  if (!r) return [];
  const d = r.details as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const f = (x: unknown, digits = 2): string => (typeof x === 'number' ? x.toFixed(digits) : String(x));
  const pct = (x: unknown): string => (typeof x === 'number' ? `${Math.round(x * 100)} %` : '?');
  const side = r.side;
  const cpu = r.cpuS ?? (r.cpuUserS ?? 0) + (r.cpuSystemS ?? 0);
  const wall = typeof d.wallSeconds === 'number' ? d.wallSeconds : r.seconds;
  const others =
    side && side.machineCpuS !== null
      ? side.machineCpuS - cpu - (side.mockApiCpuS ?? 0) - (side.brokerCpuS ?? 0)
      : null;
  const common = [
    `${r.stage === 'produce-limit' ? 'JVM' : 'stage process'} CPU ${f(cpu, 1)} s over ${f(wall, 1)} s (${pct(cpu / Math.max(wall, 1e-9))} of one core)${r.elu !== undefined ? `, event loop busy ${pct(r.elu)}` : ''}`,
    side
      ? `stand-in API CPU ${f(side.mockApiCpuS, 1)} s, broker CPU ${f(side.brokerCpuS, 1)} s, other processes ${f(others, 1)} s; machine busy ${pct(side.machineBusy)} of ${cpus().length} cores, stolen by the hypervisor ${pct(side.machineSteal)}`
      : '',
    r.rssStartMB !== undefined
      ? `RSS ${f(r.rssStartMB, 0)} MB after start-up → peak ${f(r.maxRssMB, 0)} MB (V8 heap peak ${f(r.heapPeakMB, 0)} MB, Buffers peak ${f(r.externalPeakMB, 0)} MB; the rest is native: code, chdb's engine, allocator)`
      : '',
  ];
  const specific: string[] = [];
  switch (s.stage) {
    case 'extract-bare':
    case 'extract-pages':
    case 'extract':
      specific.push(`${d.pages} pages, ${d.jsonBytesPerRecord} JSON bytes per record`);
      break;
    case 'produce':
      if (d.sendBatch.messages.count === 0) {
        // The probe wraps this thread's kafkajs; the default sender thread has its own (sender-thread.ts).
        specific.push(
          `${d.avroBytesPerRecord} Avro bytes per record; kafkajs runs on the sender thread, out of the probe's reach: BENCH_SENDER_THREAD=0 times sendBatch and Produce requests`,
        );
        break;
      }
      specific.push(
        `${d.avroBytesPerRecord} Avro bytes per record; setup (schemas, topics, connect, first page) ${f(d.setupSeconds)} s`,
        `awaiting sendBatch ${pct(d.sendShare)} of the time: ${d.sendBatch.messages.count} sends of ${d.sendBatch.messages.avg} messages (${Math.round(d.sendBatch.bytes.avg / 1024)} KiB) on average, max ${d.sendBatch.messages.max}; ${d.sendBatch.ms.avg} ms each`,
        `${d.produceRequests.ms.count} Produce requests, ${d.produceRequests.ms.avg} ms round trip each`,
      );
      break;
    case 'produce-limit':
      specific.push(
        `record size ${d.recordSize} B, ${d.mbPerSecond} MB/s, latency avg ${d.avgLatencyMs} ms, max ${d.maxLatencyMs} ms (${d.percentiles})`,
      );
      break;
    case 'consume':
      specific.push(
        `setup (ClickHouse tables, admin, group join ${d.groupJoinMs} ms, first fetch) ${f(d.setupSeconds)} s; steady ${Number(d.steadyRate).toLocaleString('en-US')} records/s after the first batch`,
        `in eachBatch ${pct(d.batchShare)} of the time: ${d.batches.messages.count} batches of ${d.batches.messages.avg} messages on average; ClickHouse insert ${pct(d.insertShare)} (${d.inserts.rows.count} inserts of ${d.inserts.rows.avg} rows, ${d.inserts.ms.avg} ms each, ${Number(d.inserts.rowsPerSecondInside).toLocaleString('en-US')} rows/s inside insert), offset commits ${pct(d.commitShare)}`,
        `${d.fetches.ms.count} fetches, ${d.fetches.ms.avg} ms each`,
        `${f((cpu * 1e6) / Math.max(r.records, 1), 1)} µs of CPU per record (process.cpuUsage over the measured work)`,
      );
      break;
    case 'insert-limit':
      specific.push(
        `${d.inserts} inserts of ${d.rowsPerInsert} rows; rows built outside the clock in ${f(d.prepSecondsUntimed, 1)} s (CPU, ELU and RSS cover building too)`,
      );
      if (d.engine) {
        specific.push(
          `same rows, split: JSON.stringify into one JSONEachRow Buffer ${f(d.engine.serializeSeconds)} s (${d.engine.jsonBytesPerRow} B/row), chdb rawInsert of it ${f(d.engine.rawInsertSeconds)} s = ${Number(d.engine.rawInsertRate).toLocaleString('en-US')} rows/s for the engine alone, ${Number(d.engine.serializePlusRawRate).toLocaleString('en-US')} rows/s serialize + engine`,
        );
        if (d.engine.avroIngestRate)
          specific.push(
            `same records as Avro (${d.engine.avroBytesPerRow} B/row), one object container per resource built outside the clock, the engine's own ingestion of it ${f(d.engine.avroInsertSeconds)} s = ${Number(d.engine.avroIngestRate).toLocaleString('en-US')} rows/s (the byte path's limit)`,
          );
      }
      break;
    case 'dlt': {
      const ph = d.phases as Record<string, number> | undefined;
      specific.push(
        `dlt ${d.dlt}: extract ${f(ph?.extract)} s, normalize ${f(ph?.normalize)} s, load ${f(ph?.load)} s (${d.note})`,
      );
      break;
    }
    case 'e2e':
      specific.push(
        `open ClickHouse ${f(d.clickhouseOpenSeconds)} s, then produce ${f(d.produceSeconds)} s with the consumer beside it, which caught up ${f(d.catchUpSeconds)} s later; FINAL count ${f(d.finalCountSeconds)} s`,
      );
      break;
  }
  return [`- **${s.stage}** — ${s.title}`, ...[...specific, ...common].filter(Boolean).map((l) => `  - ${l}`)];
}

/** Issue 7 asks for ≥ 5× dlt's records per second on the same stand-in API. */
function versusDlt(summaries: readonly StageSummary[]): string[] {
  const dlt = summaries.find((s) => s.stage === 'dlt')?.rate?.median;
  if (!dlt) return [];
  const vs = (stage: StageName): string => {
    const r = summaries.find((s) => s.stage === stage)?.rate?.median;
    return r ? `${stage} ${(r / dlt).toFixed(1)}× dlt` : '';
  };
  return [
    `Against dlt (${Math.round(dlt).toLocaleString('en-US')} records/s, extract + normalize + load into duckdb): ${[
      'extract',
      'e2e',
    ]
      .map((s) => vs(s as StageName))
      .filter(Boolean)
      .join(', ')}.`,
    '',
  ];
}

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) console.error(`bench: ${error.message}`);
      console.error(USAGE);
      return error.message ? 2 : 0;
    }
    throw error;
  }
  process.env.KAFKA_BROKERS = opts.brokers;
  let stages: StageName[] = [...opts.stages];
  if (stages.includes('consume') && !stages.includes('produce')) {
    log('consume reads what produce wrote: adding the produce stage');
    stages = ['produce', ...stages];
  }

  const kafka = benchKafka(benchLogger());
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } catch (error) {
    console.error(
      `bench: no Kafka broker at ${opts.brokers}: ${(error as Error).message}\n(use npm run bench, which starts one, or set KAFKA_BROKERS)`,
    );
    return 1;
  }
  const root = mkdtempSync(join(tmpdir(), 'streamtap-bench-'));
  const stamp = new Date().toISOString();
  const date = stamp.slice(0, 10);
  const profileDir = opts.profile ? join(root, 'profiles') : null;
  const brokerPid = localBrokerPid();
  const expected = { events: opts.records, scheduling_links: LINKS, timezones: TIME_ZONES.length };
  const totalRecords = Object.values(expected).reduce((a, b) => a + b, 0);
  log(
    `${opts.records.toLocaleString('en-US')} events (+${LINKS} links, ${TIME_ZONES.length} time zones), ${opts.eventDetail} events, pages of ${opts.pageSize}, ${opts.repeat} repetition(s), stages: ${stages.join(', ')}`,
  );
  const eventBytes = meanEventBytes(opts.eventDetail);
  log(`events are ${opts.eventDetail}: ${eventBytes.toLocaleString('en-US')} bytes of JSON on average`);
  log(`work dir ${root}${brokerPid ? `, local broker pid ${brokerPid}` : ''}`);

  const mock = await startMockApiProcess(opts.records, opts.eventDetail);
  const results: StageResult[] = [];
  const profiles: { stage: StageName; rep: number; summary: ProfileSummary }[] = [];
  const usedPrefixes: string[] = [];
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    log('interrupted: stopping the stage processes');
    for (const child of children) stop(child);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (let rep = 1; rep <= opts.repeat && !interrupted; rep++) {
      const names = newRep(root);
      usedPrefixes.push(names.source, names.e2eSource, `${names.source}_perf`);
      for (const stage of stages) {
        if (interrupted) break;
        log(`rep ${rep}/${opts.repeat} ${stage}: ${STAGE_TITLES[stage]}`);
        let result: StageResult;
        const shared = {
          rep,
          sourceName: stage === 'e2e' ? names.e2eSource : stage === 'dlt' ? `${names.source}_dlt` : names.source,
          schemasDir: names.schemasDir,
          baseUrl: mock.url,
          token: mock.token,
          pageSize: opts.pageSize,
          insertBatch: opts.insertBatch,
          expected,
          workDir: join(root, `work-${names.source}-${stage}`),
        };
        mkdirSync(shared.workDir, { recursive: true });
        if (stage === 'dlt') {
          result = await runDlt(opts, rep, shared, mock, brokerPid);
          if (!opts.keep) rmSync(shared.workDir, { recursive: true, force: true });
        } else if (stage === 'produce-limit') {
          const produced = results.find((r) => r.stage === 'produce' && r.rep === rep && r.ok);
          const size = Number(
            (produced?.details as { avroBytesPerRecord?: number } | undefined)?.avroBytesPerRecord ?? 1000,
          );
          result = await runProducerPerformance(
            opts,
            rep,
            admin,
            `${names.source}_perf.records`,
            totalRecords,
            size,
            mock,
            brokerPid,
          );
        } else {
          const params: StageParams = { ...shared, stage };
          const dir = profileDir ? join(profileDir, `${stage}-r${rep}`) : null;
          result = await runStageProcess(params, mock, brokerPid, dir, opts.stageTimeoutS);
          if (!opts.keep) rmSync(shared.workDir, { recursive: true, force: true });
          if (dir && existsSync(dir)) {
            // The main thread's profile: CPU.<date>.<time>.<pid>.0.<seq>.cpuprofile
            const file = readdirSync(dir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
            if (file) {
              const kept = join(
                opts.outDir,
                `${stamp.replace(/[:.]/g, '').slice(0, 15)}-${opts.records}-${stage}-r${rep}.cpuprofile`,
              );
              mkdirSync(opts.outDir, { recursive: true });
              renameSync(join(dir, file), kept);
              const summary = summariseProfile(kept, result.windowUs);
              writeFileSync(
                kept.replace(/\.cpuprofile$/, '.flame.svg'),
                flameGraphSvg(
                  kept,
                  `${stage}, ${opts.records.toLocaleString('en-US')} events, rep ${rep}`,
                  result.windowUs,
                ),
              );
              profiles.push({ stage, rep, summary });
              result.profile = summary;
            }
          }
        }
        results.push(result);
        log(
          result.ok
            ? `  ${result.records.toLocaleString('en-US')} records in ${result.seconds.toFixed(2)} s = ${result.rate.toLocaleString('en-US')} records/s, peak RSS ${result.maxRssMB ?? '?'} MB`
            : `  FAILED: ${result.error ?? ''}`,
        );
      }
      if (!opts.keep) await cleanupKafka(admin, usedPrefixes.slice(-3));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await mock.stop();
    await admin.disconnect();
    if (!opts.keep) rmSync(root, { recursive: true, force: true });
    else log(`kept ${root} and the topics of ${usedPrefixes.join(', ')}`);
  }
  if (interrupted) return 130;

  const summaries = summarise(results);
  const environment = {
    date: stamp,
    node: process.version,
    cpu: cpuModel(),
    cores: cpus().length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    kafkaBrokers: opts.brokers,
    kafkaVersion: process.env.KAFKA_VERSION ?? '4.1.2 (scripts/kafka.sh default)',
    clickhouse: process.env.CLICKHOUSE_URL ? 'server (CLICKHOUSE_URL)' : `embedded chdb ${packageVersion('chdb')}`,
    kafkajs: packageVersion('kafkajs'),
    clickhouseClient: packageVersion('@clickhouse/client'),
    undici: packageVersion('undici'),
    commit: gitDescribe(),
  };
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  const caption = `streamtap bench ${date}: ${opts.records.toLocaleString('en-US')} events, ${opts.repeat} rep(s), ${environment.cores} cores`;
  const md = [
    `## streamtap benchmark — ${stamp}`,
    '',
    `\`${command}\` · ${totalRecords.toLocaleString('en-US')} records (${opts.records.toLocaleString('en-US')} events + ${LINKS} links + ${TIME_ZONES.length} time zones), ${opts.eventDetail} events of ${eventBytes.toLocaleString('en-US')} bytes of JSON on average, pages of ${opts.pageSize} · ${opts.repeat} repetition(s)`,
    `Node ${environment.node} · ${environment.cores} × ${environment.cpu} · Kafka at ${opts.brokers} · ClickHouse ${environment.clickhouse} · commit ${environment.commit}`,
    '',
    markdownTable(summaries, opts.repeat),
    '',
    ...versusDlt(summaries),
    "Peak RSS is each stage process's own maximum (the JVM tool's through /usr/bin/time); CPU s is that process's user+system time during the measured work; machine busy is all cores, from /proc/stat.",
    '',
    '### Where the time goes (median repetition)',
    '',
    ...summaries.flatMap((s) => detailLines(s, results)),
    '',
    ...(profiles.length > 0
      ? [
          '### CPU profiles (self time, measured window)',
          '',
          ...profiles.map((p) => formatProfile(`${p.stage} (rep ${p.rep})`, p.summary)),
        ]
      : []),
  ].join('\n');
  console.log(md);

  if (opts.save) {
    mkdirSync(opts.outDir, { recursive: true });
    const jsonFile = join(opts.outDir, `${date}.json`);
    const existing = existsSync(jsonFile) ? (JSON.parse(readFileSync(jsonFile, 'utf8')) as { runs?: unknown[] }) : {};
    const runs = existing.runs ?? [];
    // One chart per run: <date>-run<N>.svg, N = the run's place in <date>.json (bench/chart.ts redraws any).
    const svgFile = join(opts.outDir, `${date}-run${runs.length + 1}.svg`);
    const run = {
      command,
      chart: svgFile,
      caption,
      options: { ...opts, stages },
      eventJsonBytes: eventBytes,
      environment,
      expected,
      summaries,
      results,
    };
    writeFileSync(jsonFile, JSON.stringify({ runs: [...runs, run] }, null, 2) + '\n');
    writeFileSync(svgFile, svgChart(summaries, caption));
    log(`results appended to ${jsonFile}; chart ${svgFile}`);
  }
  return summaries.every((s) => s.failures.length === 0) ? 0 : 1;
}

process.exitCode = await main();
