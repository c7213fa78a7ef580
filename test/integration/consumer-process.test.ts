// Consumer processes killed and stopped: SIGKILL between an accepted insert and its commit, then a restart
// with the real CLI; SIGTERM in the middle of a batch; SIGTERM and a second signal on the CLI.
// Every process owns its embedded ClickHouse data directory; this test process never opens one, it asks
// the CLI (`streamtap sql`) after the consumers exited.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runProduce } from '../../src/cli/commands.js';
import type { Context } from '../../src/cli/context.js';
import { startMockApi, type MockApi } from '../../src/mock-api/index.js';
import savvycal from '../../pipelines/savvycal.js';
import {
  assertEventRows,
  committedOffsets,
  endOffsets,
  finalEventsQuery,
  waitFor,
  type EventRow,
} from '../support/consumer-fixtures.js';
import { brokers, seedContext } from '../support/pipeline.js';

const TOKEN = 'consumer-process-token';
const EVENTS = 2000;
let api: MockApi;

before(async () => {
  api = await startMockApi({ token: TOKEN, events: EVENTS, links: 5 });
});
after(async () => {
  await api.close();
});

interface Proc {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: readonly string[]): Proc {
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      API_KEY: TOKEN,
      KAFKA_BROKERS: brokers,
      STREAMTAP_LOG_LEVEL: process.env.STREAMTAP_TEST_LOG ?? 'warn',
    },
    stdio: ['ignore', 'pipe', process.env.STREAMTAP_TEST_LOG ? 'inherit' : 'ignore'],
  });
  const lines: string[] = [];
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, lines, exit };
}

const cli = (...argv: string[]): Proc => start(['bin/streamtap.js', ...argv]);

function driver(
  ctx: Context,
  dataDir: string,
  groupId: string,
  holdAfter: number,
  hold: 'forever' | 'until-signal',
): Proc {
  const args = {
    source: ctx.source,
    schemasDir: ctx.schemasDir,
    dataDir,
    brokers,
    groupId,
    maxRecords: 200,
    holdAfter,
    hold,
  };
  return start(['--import', 'tsx', 'test/support/consumer-driver.ts', JSON.stringify(args)]);
}

/** The context's source as a config file the CLI loads (named after the source). */
function configFile(ctx: Context): string {
  const file = join(mkdtempSync(join(tmpdir(), 'streamtap-cfg-')), `${ctx.source.name}.json`);
  const raw = structuredClone(savvycal) as {
    client: { base_url: string };
    resources: { endpoint: { params?: Record<string, unknown> } }[];
  };
  raw.client.base_url = api.url;
  writeFileSync(file, JSON.stringify(raw));
  return file;
}

async function cliRows<T>(dataDir: string, query: string): Promise<T[]> {
  const p = cli('sql', query, '--data-dir', dataDir, '--format', 'json');
  const { code } = await p.exit;
  assert.equal(code, 0, `streamtap sql exited ${code}`);
  return p.lines.filter(Boolean).map((l) => JSON.parse(l) as T);
}

async function rawCount(dataDir: string, db: string): Promise<number> {
  const [row] = await cliRows<{ n: string | number }>(dataDir, `SELECT count() AS n FROM ${db}.events`);
  return Number(row?.n);
}

const sum = (offsets: Map<number, bigint>): number =>
  [...offsets.values()].reduce((a, o) => a + (o > 0n ? Number(o) : 0), 0);

async function producedContext(): Promise<Context> {
  const ctx = seedContext(api.url, TOKEN, { limit: 100 });
  const produced = await runProduce(ctx, ['events'], { sleep: async () => undefined });
  assert.equal(produced.resources[0]?.records, EVENTS);
  return ctx;
}

function consumeArgs(config: string, ctx: Context, dataDir: string, groupId: string): string[] {
  return [
    'consume',
    config,
    '--data-dir',
    dataDir,
    '--schemas',
    ctx.schemasDir,
    '--brokers',
    brokers,
    '--batch-records',
    '200',
    '--group',
    groupId,
    '-r',
    'events',
  ];
}

test('SIGKILL after an insert was accepted and before its commit; the restarted CLI replays it and ClickHouse drops the replay', async () => {
  const ctx = await producedContext();
  const db = ctx.source.name;
  const dataDir = mkdtempSync(join(tmpdir(), 'streamtap-kill-'));
  const groupId = `${db}.kill`;

  const victim = driver(ctx, dataDir, groupId, 3, 'forever');
  await waitFor('the third insert', () => victim.lines.includes('HELD 3'), 90_000);
  const committed = await committedOffsets(ctx.kafka, groupId, `${db}.events`);
  assert.equal(sum(committed), 400, 'two chunks of 200 committed; the third inserted but not committed');
  victim.child.kill('SIGKILL');
  assert.deepEqual(await victim.exit, { code: null, signal: 'SIGKILL' });

  const restarted = cli(...consumeArgs(configFile(ctx), ctx, dataDir, groupId), '--until-caught-up');
  assert.equal((await restarted.exit).code, 0);
  assert.equal(sum(await committedOffsets(ctx.kafka, groupId, `${db}.events`)), EVENTS);
  assert.equal(
    await rawCount(dataDir, db),
    EVENTS,
    'the replayed chunk carried the same token and was dropped: 2,000 raw rows, no duplicate',
  );
  assertEventRows(await cliRows<EventRow>(dataDir, finalEventsQuery(db)), api.records('events'));
});

test('SIGTERM in the middle of a batch: the chunk in flight is finished and committed, nothing after it starts, exit 0', async () => {
  const ctx = await producedContext();
  const db = ctx.source.name;
  const dataDir = mkdtempSync(join(tmpdir(), 'streamtap-term-'));
  const groupId = `${db}.term`;

  const consumer = driver(ctx, dataDir, groupId, 2, 'until-signal');
  await waitFor('the second insert', () => consumer.lines.includes('HELD 2'), 90_000);
  consumer.child.kill('SIGTERM');
  assert.deepEqual(await consumer.exit, { code: 0, signal: null });
  const done = JSON.parse(consumer.lines.find((l) => l.startsWith('DONE '))?.slice(5) ?? '{}') as {
    inserts: number;
    shutdown: string;
  };
  assert.equal(done.inserts, 2, 'no chunk started after the signal');
  assert.equal(done.shutdown, 'clean');
  assert.equal(
    sum(await committedOffsets(ctx.kafka, groupId, `${db}.events`)),
    400,
    'the chunk in flight was committed after it was inserted',
  );
  assert.equal(await rawCount(dataDir, db), 400);

  const rest = cli(...consumeArgs(configFile(ctx), ctx, dataDir, groupId), '--until-caught-up');
  assert.equal((await rest.exit).code, 0);
  assert.equal(await rawCount(dataDir, db), EVENTS);
  assertEventRows(await cliRows<EventRow>(dataDir, finalEventsQuery(db)), api.records('events'));
});

test('the CLI consumer: SIGTERM stops it cleanly with exit 0; a second signal exits at once', async () => {
  const ctx = await producedContext();
  const db = ctx.source.name;
  const topic = `${db}.events`;
  const config = configFile(ctx);
  const ends = await endOffsets(ctx.kafka, topic);
  const caughtUp = async (groupId: string) => {
    const at = await committedOffsets(ctx.kafka, groupId, topic);
    return [...ends].every(([p, end]) => (at.get(p) ?? -1n) >= end);
  };

  const polite = cli(...consumeArgs(config, ctx, mkdtempSync(join(tmpdir(), 'streamtap-sig-')), `${db}.polite`));
  await waitFor('the CLI consumer to catch up', () => caughtUp(`${db}.polite`), 90_000, 250);
  const sent = Date.now();
  polite.child.kill('SIGTERM');
  assert.deepEqual(await polite.exit, { code: 0, signal: null });
  assert.ok(Date.now() - sent < 30_000, `stopped within the shutdown bound (${Date.now() - sent} ms)`);
  assert.ok(
    polite.lines.some((l) => l.startsWith(`${db}.events`) && l.includes(String(EVENTS))),
    'it printed what it loaded',
  );

  const impatient = cli(...consumeArgs(config, ctx, mkdtempSync(join(tmpdir(), 'streamtap-sig-')), `${db}.impatient`));
  await waitFor('the second CLI consumer to catch up', () => caughtUp(`${db}.impatient`), 90_000, 250);
  impatient.child.kill('SIGTERM');
  impatient.child.kill('SIGINT');
  assert.deepEqual(await impatient.exit, { code: 130, signal: null }, 'the second signal exits at once');
});
