// Faults on the local 3-node cluster (`bash scripts/kafka.sh start --nodes 3`; runs when KAFKA_CLUSTER_BROKERS
// is set, as `.ci/run` does): a broker killed with SIGKILL while `streamtap run` produces, a broker (the
// group's coordinator and a partition leader) killed while `streamtap consume` loads, and three
// `streamtap consume` processes in one group, one killed with SIGKILL and one stopped with SIGTERM.
// Each ends with FINAL equal to the stand-in API's records row for row, and the topic read back by the
// independent decoder: every key of every run there exactly once (the producer is idempotent, so its
// retries after a lost leader add no copy). A killed node is started again after its test.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import type { Kafka } from 'kafkajs';
import { ddlSettings } from '../../src/clickhouse/ddl.js';
import { runProduce } from '../../src/cli/commands.js';
import { startMockApi, type MockApi } from '../../src/mock-api/index.js';
import savvycal from '../../pipelines/savvycal.js';
import {
  answered,
  clusterBrokers,
  clusterKafka,
  describeGroup,
  groupCoordinator,
  killNode,
  leaders,
  restoreCluster,
  streamtap,
  type Streamtap,
} from '../support/cluster.js';
import {
  assertEventRows,
  committedOffsets,
  endOffsets,
  finalEventsQuery,
  waitFor,
  type EventRow,
} from '../support/consumer-fixtures.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { IndependentDecoder } from '../support/independent-decoder.js';
import {
  closeSharedClickHouse,
  queryRows,
  seedContext,
  sharedClickHouse,
  uniqueSource,
  withEveryEvent,
} from '../support/pipeline.js';
import { sqlRows } from '../support/streamtap-cli.js';
import { readTopic } from '../support/topic-reader.js';

const TOKEN = 'cluster-faults-token';
const EVENTS = 3000;
const skip = clusterBrokers ? false : 'KAFKA_CLUSTER_BROKERS is not set (scripts/kafka.sh start --nodes 3 prints it)';
let api: MockApi;
let kafka: Kafka;

before(async () => {
  if (skip) return;
  api = await startMockApi({ token: TOKEN, events: EVENTS, links: 5, eventDetail: 'compact' });
  kafka = clusterKafka();
});
after(async () => {
  await api?.close();
  await closeSharedClickHouse();
});

/** The seed's config as a file the CLI loads, named after `name`, reading pages of 100 from `baseUrl`. */
function configFile(name: string, baseUrl: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'streamtap-cfg-')), `${name}.json`);
  const raw = structuredClone(savvycal) as {
    client: { base_url: string };
    resources: { name: string; endpoint: { path: string; params?: Record<string, unknown> } }[];
  };
  raw.client.base_url = baseUrl;
  for (const r of raw.resources) if (r.name === 'events') r.endpoint.params = { limit: 100 };
  withEveryEvent(raw);
  writeFileSync(file, JSON.stringify(raw));
  return file;
}

const cliEnv = { API_KEY: TOKEN, KAFKA_BROKERS: clusterBrokers ?? '' };
const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const sum = (offsets: Map<number, bigint>): bigint => [...offsets.values()].reduce((a, o) => a + (o > 0n ? o : 0n), 0n);

async function exited(p: Streamtap, what: string, timeoutMs = 240_000) {
  let result: Awaited<Streamtap['exit']> | undefined;
  void p.exit.then((r) => (result = r));
  await waitFor(what, () => result, timeoutMs, 100).catch((error: Error) => {
    p.child.kill('SIGKILL');
    throw new Error(`${error.message}; its stderr: ${p.stderr()}`);
  });
  return result!;
}

/** Every key of every run exactly once on the topic, decoded by the independent decoder; returns the keys. */
async function assertTopicOncePerRun(topic: string, schemasDir: string, runs: number): Promise<Set<string>> {
  const decoder = new IndependentDecoder(schemasDir);
  const copies = new Map<string, number>();
  const runIds = new Set<string>();
  for (const m of await readTopic(kafka, topic)) {
    const { value } = decoder.decode(m.value as Buffer);
    const key = `${String(value._run_id)} ${String(value.id)}`;
    runIds.add(String(value._run_id));
    copies.set(key, (copies.get(key) ?? 0) + 1);
  }
  const doubled = [...copies].filter(([, n]) => n > 1);
  assert.deepEqual(doubled, [], 'no key published twice within a run');
  assert.equal(runIds.size, runs, `${runs} run(s) on the topic`);
  return new Set([...copies.keys()].map((k) => k.split(' ')[1]!));
}

const apiIds = () => new Set(api.records('events').map((r) => String((r as { id: string }).id)));

test(
  'a broker killed with SIGKILL while `streamtap run` produces: the run finishes without a restart, nothing lost or doubled',
  // Two failures this test used to show about one run in three, fixed in src/producers/serial-sender.ts
  // (a batch written twice when one broker of a multi-broker sendBatch died) and kafka/client.ts
  // topicOffsets (end offsets read once, failing while the dead broker was still named leader).
  { skip },
  async (t: TestContext) => {
    const { name: db, schemasDir } = uniqueSource();
    const topic = `${db}.events`;
    // A gate in front of the API: the 11th page waits until the broker is dead, so the kill falls between
    // published pages and the pages after it are sent while the partitions' leaders move.
    let reached = false;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let eventPages = 0;
    const proxy: TestServer = await startServer((req, res, url) => {
      void (async () => {
        if (url.pathname === '/v1/events' && ++eventPages === 11) {
          reached = true;
          await gate;
        }
        const upstream = await fetch(api.url + url.pathname + url.search, {
          headers: { authorization: req.headers.authorization ?? '' },
        });
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      })();
    });
    t.after(() => proxy.close());
    const dataDir = tempDir('streamtap-cluster-run-');
    const run = streamtap(
      ['run', configFile(db, proxy.url), '--schemas', schemasDir, '--data-dir', dataDir, '-r', 'events'],
      cliEnv,
    );
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    let victim: number | undefined;
    try {
      await waitFor(
        'the producer to ask for the 11th page',
        () => {
          if (run.child.exitCode !== null) throw new Error(`streamtap run exited early: ${run.stderr()}`);
          return reached;
        },
        180_000,
      );
      const before = await leaders(admin, topic);
      victim = before.get(0)!;
      await killNode(victim);
      release();
      const { code } = await exited(run, '`streamtap run` to finish');
      assert.equal(code, 0, `streamtap run exits 0 after the broker's death; stderr: ${run.stderr()}`);
      const moved = await leaders(admin, topic);
      assert.ok(
        ![...moved.values()].includes(victim),
        `the dead node ${victim} leads nothing: ${JSON.stringify([...moved])}`,
      );
      assert.ok(
        run.lines.some((l) => l.includes(topic) || l.includes(`${db}.events`)),
        `it printed what it loaded: ${run.lines.join('\n')}`,
      );

      assert.deepEqual(await assertTopicOncePerRun(topic, schemasDir, 1), apiIds());
      assertEventRows(await sqlRows<EventRow>(finalEventsQuery(db), dataDir), api.records('events'));
    } finally {
      release();
      if (victim !== undefined) await restoreCluster(kafka, [topic]);
    }
  },
);

test(
  'the group coordinator, a partition leader, killed with SIGKILL while `streamtap consume` loads: leaders move, the consumer goes on to the end',
  { skip },
  async (t: TestContext) => {
    const ctx = seedContext(api.url, TOKEN, { limit: 100, kafka });
    const db = ctx.source.name;
    const topic = `${db}.events`;
    const groupId = `${db}.coordinator`;
    const produced = await runProduce(ctx, ['events'], { sleep: async () => undefined });
    assert.equal(produced.resources[0]?.records, EVENTS);

    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const dataDir = tempDir('streamtap-cluster-consume-');
    const consumer = streamtap(
      [
        'consume',
        configFile(db, api.url),
        '--schemas',
        ctx.schemasDir,
        '--data-dir',
        dataDir,
        '--group',
        groupId,
        '--batch-records',
        '50',
        '--until-caught-up',
        '-r',
        'events',
      ],
      cliEnv,
    );
    let victim: number | undefined;
    try {
      const first = await waitFor(
        'the consumer to commit its first chunk',
        async () => {
          const at = sum(await committedOffsets(kafka, groupId, topic));
          return at > 0n ? at : undefined;
        },
        120_000,
        50,
      );
      assert.ok(first < BigInt(EVENTS), `the consumer is mid-way (${first} of ${EVENTS} committed) when the node dies`);
      victim = await groupCoordinator(admin, groupId);
      const led = [...(await leaders(admin, topic))].filter(([, node]) => node === victim).map(([p]) => p);
      assert.ok(led.length > 0, `the coordinator, node ${victim}, also leads a partition of ${topic}`);
      await killNode(victim);
      await waitFor(
        `partitions ${led.join(', ')} to get a new leader`,
        async () => [...(await leaders(admin, topic))].every(([, node]) => node !== victim && node >= 0),
        60_000,
        200,
      );

      const { code } = await exited(consumer, '`streamtap consume --until-caught-up` to finish');
      assert.equal(code, 0, `the consumer exits 0; stderr: ${consumer.stderr()}`);
      const ends = await answered('end offsets', () => endOffsets(kafka, topic));
      const at = await answered('committed offsets', () => committedOffsets(kafka, groupId, topic));
      assert.deepEqual([...at].sort(), [...ends].sort(), 'every partition committed to its end');
      assertEventRows(await sqlRows<EventRow>(finalEventsQuery(db), dataDir), api.records('events'));
      assert.deepEqual(await assertTopicOncePerRun(topic, ctx.schemasDir, 1), apiIds());
    } finally {
      if (consumer.child.exitCode === null && consumer.child.signalCode === null) consumer.child.kill('SIGKILL');
      if (victim !== undefined) await restoreCluster(kafka, [topic, '__consumer_offsets']);
    }
  },
);

/**
 * FINAL over the rows of several embedded engines (one per consumer process, as on a laptop): every row of
 * each goes into one table made by the consumers' own DDL in this process's engine, and FINAL resolves them.
 */
async function finalAcross(dataDirs: readonly string[], db: string): Promise<EventRow[]> {
  const [create] = await sqlRows<{ statement: string }>(`SHOW CREATE TABLE ${db}.events`, dataDirs[0]!);
  const ch = await sharedClickHouse();
  await ch.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  // events has records that may be null: Nullable(Tuple) columns, whose DDL needs the setting (ddl.ts)
  await ch.command({ query: create!.statement, clickhouse_settings: ddlSettings([create!.statement]) ?? {} });
  for (const dir of dataDirs) {
    const rows = await sqlRows<Record<string, unknown>>(`SELECT * FROM ${db}.events`, dir);
    if (rows.length > 0)
      await ch.insert({
        table: `${db}.events`,
        values: rows,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplicate: 0 },
      });
  }
  return queryRows<EventRow>(ch, finalEventsQuery(db));
}

test(
  'three `streamtap consume` processes in one group: one SIGKILLed, its partitions taken over; one SIGTERMed leaves the group at once',
  { skip },
  async (t: TestContext) => {
    const ctx = seedContext(api.url, TOKEN, { limit: 100, kafka });
    const db = ctx.source.name;
    const topic = `${db}.events`;
    const groupId = `${db}.trio`;
    assert.equal((await runProduce(ctx, ['events'], { sleep: async () => undefined })).resources[0]?.records, EVENTS);

    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const config = configFile(db, api.url);
    const names = ['trio-1', 'trio-2', 'trio-3'];
    const dataDirs = names.map((n) => tempDir(`streamtap-${n}-`));
    const consumers = names.map((name, i) =>
      streamtap(
        [
          'consume',
          config,
          '--schemas',
          ctx.schemasDir,
          '--data-dir',
          dataDirs[i]!,
          '--group',
          groupId,
          '--batch-records',
          '100',
          '-r',
          'events',
        ],
        { ...cliEnv, KAFKA_CLIENT_ID: name },
      ),
    );
    t.after(() => {
      for (const c of consumers) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    });
    const caughtUp = async () => {
      const ends = await endOffsets(kafka, topic);
      const at = await committedOffsets(kafka, groupId, topic);
      return [...ends].every(([p, end]) => (at.get(p) ?? -1n) >= end);
    };
    const stableWith = (n: number) => async () => {
      const group = await describeGroup(admin, groupId, topic);
      const assigned = [...group.members.values()].flat().sort();
      return group.state === 'Stable' && group.members.size === n && assigned.length === 3 ? group : undefined;
    };

    const trio = await waitFor('three members, each with a partition', stableWith(3), 180_000, 200);
    for (const name of names) assert.equal(trio.members.get(name)?.length, 1, `${name} has one of the 3 partitions`);
    await waitFor('the trio to load every partition to its end', caughtUp, 180_000, 200);

    // SIGKILL: the member says nothing, so the coordinator keeps it until its session times out.
    const victim = consumers[1]!;
    const owned = trio.members.get('trio-2')!;
    const atKill = await committedOffsets(kafka, groupId, topic);
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    assert.deepEqual(await victim.exit, { code: null, signal: 'SIGKILL' });
    assert.ok(
      (await describeGroup(admin, groupId, topic)).members.has('trio-2'),
      'right after the kill the coordinator still counts the silent member',
    );
    // New versions of some records while the victim's partitions have no one: they are loaded on takeover.
    api.update({ revision: 2 });
    const second = await runProduce(ctx, ['events'], { sleep: async () => undefined });
    assert.equal(second.resources[0]?.records, EVENTS);
    const takeoverMs = await waitFor(
      `an insert on the killed member's partition ${owned.join(', ')} (its commit moving)`,
      async () => {
        const at = await committedOffsets(kafka, groupId, topic);
        return owned.some((p) => (at.get(p) ?? -1n) > (atKill.get(p) ?? -1n)) ? Date.now() - killedAt : undefined;
      },
      180_000,
      50,
    );
    t.diagnostic(`takeover: ${takeoverMs} ms from SIGKILL to the first insert committed on partition ${owned}`);
    console.log(`# takeover after SIGKILL: ${takeoverMs} ms (partition ${owned.join(', ')})`);
    const pair = await waitFor('two members sharing all three partitions', stableWith(2), 120_000, 200);
    assert.deepEqual([...pair.members.keys()].sort(), ['trio-1', 'trio-3']);
    assert.ok(
      owned.every((p) => [...pair.members.values()].some((ps) => ps.includes(p))),
      'the killed member partitions were taken over',
    );
    await waitFor('the pair to load the second run to the end', caughtUp, 180_000, 200);

    // SIGTERM: a clean stop leaves the group, so the coordinator drops the member with the process gone.
    const polite = consumers[2]!;
    polite.child.kill('SIGTERM');
    assert.deepEqual(await polite.exit, { code: 0, signal: null }, `a clean stop exits 0: ${polite.stderr()}`);
    const left = await describeGroup(admin, groupId, topic);
    assert.deepEqual(
      [...left.members.keys()],
      ['trio-1'],
      'the moment the stopped process is gone, the group has one member: it left, no session timeout waited for',
    );
    const last = consumers[0]!;
    last.child.kill('SIGTERM');
    assert.deepEqual(await last.exit, { code: 0, signal: null });

    assertEventRows(await finalAcross(dataDirs, db), api.records('events'));
    assert.deepEqual(await assertTopicOncePerRun(topic, ctx.schemasDir, 2), apiIds());
  },
);
