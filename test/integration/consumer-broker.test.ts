// The broker stopped and restarted under a running consumer, while it consumes and while a producer
// produces. This test starts its OWN broker (port 19092, a fresh data dir) with scripts/kafka.sh and stops
// it at chosen points; it never touches the shared broker at $KAFKA_BROKERS.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runProduce } from '../../src/cli/commands.js';
import { consume } from '../../src/consumers/consume.js';
import { createKafka, kafkaSettingsFromEnv } from '../../src/kafka/client.js';
import { startMockApi, type MockApi } from '../../src/mock-api/index.js';
import {
  assertFinalEvents,
  committedOffsets,
  count,
  endOffsets,
  faultyClickHouse,
  waitFor,
} from '../support/consumer-fixtures.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { closeSharedClickHouse, seedContext, sharedClickHouse, testLogger } from '../support/pipeline.js';

const TOKEN = 'consumer-broker-token';
const PORT = Number(process.env.STREAMTAP_FAULT_KAFKA_PORT ?? 19092);
const brokerEnv = {
  ...process.env,
  KAFKA_PORT: String(PORT),
  KAFKA_CONTROLLER_PORT: String(PORT + 1),
  KAFKA_DATA_DIR: mkdtempSync(join(tmpdir(), 'streamtap-fault-kafka-')),
};
let api: MockApi;
let proxy: TestServer;
/** a page request of the producer waits here while the test stops the broker under it */
let holdPage: ((n: number) => Promise<void>) | undefined;

function kafkaScript(command: 'start' | 'stop'): Promise<void> {
  if (process.env.STREAMTAP_TEST_LOG) console.error(new Date().toISOString(), `kafka.sh ${command}`);
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/kafka.sh', command], { env: brokerEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      if (process.env.STREAMTAP_TEST_LOG) console.error(new Date().toISOString(), `kafka.sh ${command} exited ${code}`);
      if (code === 0) resolve();
      else reject(new Error(`kafka.sh ${command} exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

before(async () => {
  await kafkaScript('start');
  api = await startMockApi({ token: TOKEN, events: 2000, links: 5 });
  // The API as the producer sees it, through a proxy that can hold a page.
  let pages = 0;
  proxy = await startServer((req, res, url) => {
    void (async () => {
      if (url.pathname === '/v1/events') await holdPage?.(++pages);
      const upstream = await fetch(`${api.url}${url.pathname}${url.search}`, {
        headers: { authorization: req.headers.authorization ?? '' },
      });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    })();
  });
});

after(async () => {
  await proxy?.close();
  await api?.close();
  await closeSharedClickHouse();
  await kafkaScript('stop');
  rmSync(brokerEnv.KAFKA_DATA_DIR, { recursive: true, force: true });
});

test('broker stopped and restarted while consuming, then while producing: FINAL equals the latest records', async () => {
  const kafka = createKafka(kafkaSettingsFromEnv({ KAFKA_BROKERS: `localhost:${PORT}` }), testLogger());
  const ctx = seedContext(proxy.url, TOKEN, { limit: 100, kafka });
  const ch = await sharedClickHouse();
  const db = ctx.source.name;
  const topic = `${db}.events`;
  const groupId = `${db}.broker`;
  const first = await runProduce(ctx, ['events'], { sleep: async () => undefined });
  assert.equal(first.resources[0]?.records, 2000);

  // 1. While consuming: after the consumer's third insert, the broker goes down under it, then comes back.
  let restarted: Promise<void> | undefined;
  const faulty = faultyClickHouse(ch, {
    afterInsert: async (n) => {
      if (n !== 3) return;
      await kafkaScript('stop');
      restarted = kafkaScript('start');
    },
  });
  const stop = new AbortController();
  const running = consume({
    source: ctx.source,
    kafka,
    clickhouse: faulty.client,
    schemasDir: ctx.schemasDir,
    logger: ctx.logger,
    resources: ['events'],
    groupId,
    until: 'signal',
    signal: stop.signal,
    batch: { maxRecords: 100 },
  });
  const caughtUp = async () => {
    const ends = await endOffsets(kafka, topic);
    const at = await committedOffsets(kafka, groupId, topic);
    return [...ends].every(([p, end]) => (at.get(p) ?? -1n) >= end);
  };
  try {
    await waitFor('the broker to stop under the consumer', () => restarted !== undefined, 60_000);
    await restarted;
    await waitFor(
      'the consumer to catch up after the broker came back',
      async () => (await count(ch, `SELECT count() AS n FROM ${db}.events FINAL`)) === 2000 && caughtUp(),
      180_000,
      500,
    );
    await assertFinalEvents(ch, db, api.records('events'));

    // 2. While producing (and consuming): the broker stops while the producer holds the 10th page of 25.
    api.update({ revision: 2, events: 2500 });
    let stoppedUnderProducer: Promise<void> | undefined;
    holdPage = async (n) => {
      if (n !== 10) return;
      await kafkaScript('stop');
      stoppedUnderProducer = kafkaScript('start');
    };
    const second = await runProduce(ctx, ['events'], { sleep: async () => undefined });
    holdPage = undefined;
    assert.ok(stoppedUnderProducer, 'the broker was stopped in the middle of the extraction');
    await stoppedUnderProducer;
    // kafkajs retries a send for about 40 s; a broker that took longer to come back fails the run, and
    // the next run (as a scheduler would start it) extracts everything again.
    if (!second.ok) assert.equal((await runProduce(ctx, ['events'], { sleep: async () => undefined })).ok, true);
    await waitFor(
      'the consumer to load the second extraction',
      async () => (await count(ch, `SELECT count() AS n FROM ${db}.events FINAL`)) === 2500 && caughtUp(),
      180_000,
      500,
    );
    await assertFinalEvents(ch, db, api.records('events'));
  } finally {
    stop.abort();
    await running;
  }
});
