// Two consumers in one group, with a rebalance in the middle of a batch. The embedded ClickHouse serves one
// process, so both consumers run in this process and share its client (with CLICKHOUSE_URL set they share
// a server, as separate processes would). Consumer A is held inside an accepted insert until the group
// coordinator has started rebalancing for consumer B; then A's chunk commits or is replayed, the group
// splits the partitions, and FINAL must equal the API's records row for row.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runProduce } from '../../src/cli/commands.js';
import { consume, type ConsumeReport } from '../../src/consumers/consume.js';
import { startMockApi, type MockApi } from '../../src/mock-api/index.js';
import {
  assertFinalEvents,
  committedOffsets,
  count,
  endOffsets,
  faultyClickHouse,
  waitFor,
} from '../support/consumer-fixtures.js';
import { closeSharedClickHouse, seedContext, sharedClickHouse } from '../support/pipeline.js';

const TOKEN = 'consumer-rebalance-token';
const EVENTS = 3000;
let api: MockApi;

before(async () => {
  api = await startMockApi({ token: TOKEN, events: EVENTS, links: 5 });
});
after(async () => {
  await api.close();
  await closeSharedClickHouse();
});

test('two consumers in one group, a rebalance while one is inside a batch: nothing lost, nothing doubled under FINAL', async () => {
  const ctx = seedContext(api.url, TOKEN, { limit: 100 });
  const ch = await sharedClickHouse();
  const db = ctx.source.name;
  const topic = `${db}.events`;
  const groupId = `${db}.pair`;
  const produced = await runProduce(ctx, ['events'], { sleep: async () => undefined });
  assert.equal(produced.resources[0]?.records, EVENTS);

  const admin = ctx.kafka.admin();
  await admin.connect();
  const stopA = new AbortController();
  const stopB = new AbortController();
  let runB: Promise<ConsumeReport> | undefined;
  const groupState = async () => (await admin.describeGroups([groupId])).groups[0]?.state;
  const consumerFor = (name: string, client: typeof ch, signal: AbortSignal) =>
    consume({
      source: ctx.source,
      kafka: ctx.kafka,
      clickhouse: client,
      schemasDir: ctx.schemasDir,
      logger: ctx.logger.child({ consumer: name }),
      resources: ['events'],
      groupId,
      until: 'signal',
      signal,
      batch: { maxRecords: 100 },
      // A heartbeat is due after every chunk, so A learns of the rebalance right after the held insert
      // and stops mid-batch, instead of finishing its whole fetch before B is given anything.
      heartbeatIntervalMs: 100,
    });
  const states: string[] = [];
  const a = faultyClickHouse(ch, {
    afterInsert: async (n) => {
      if (n !== 3) return;
      // Inside A's third batch insert: B joins, and A stays here until the coordinator is rebalancing.
      runB = consumerFor('B', b.client, stopB.signal);
      states.push(
        await waitFor(
          'the group to start rebalancing',
          async () => ((await groupState()) === 'PreparingRebalance' ? 'PreparingRebalance' : undefined),
          30_000,
          50,
        ),
      );
    },
  });
  const b = faultyClickHouse(ch, {});
  const runA = consumerFor('A', a.client, stopA.signal);

  const ends = await endOffsets(ctx.kafka, topic);
  await waitFor(
    'the group to commit every partition to its end',
    async () => {
      const at = await committedOffsets(ctx.kafka, groupId, topic);
      return [...ends].every(([p, end]) => (at.get(p) ?? -1n) >= end);
    },
    120_000,
    250,
  );
  stopA.abort();
  stopB.abort();
  const [reportA, reportB] = await Promise.all([runA, runB as Promise<ConsumeReport>]);
  await admin.disconnect();

  assert.deepEqual(states, ['PreparingRebalance'], 'the rebalance began while A was inside its batch');
  const recordsA = reportA.tables[0]?.records ?? 0;
  const recordsB = reportB.tables[0]?.records ?? 0;
  assert.ok(recordsA > 300, `A loaded its first chunks and more (${recordsA})`);
  assert.ok(recordsB > 0, `B got partitions after the rebalance and loaded them (${recordsB})`);
  assert.ok(recordsA + recordsB >= EVENTS, 'every message was consumed at least once');
  assert.ok((await count(ch, `SELECT count() AS n FROM ${db}.events`)) >= EVENTS);
  await assertFinalEvents(ch, db, api.records('events'));
  assert.equal(await count(ch, `SELECT count() AS n FROM ${db}.events_latest`), EVENTS);
});
