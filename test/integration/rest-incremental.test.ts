// Incremental resume through the real broker: the state lives in a compacted Kafka topic, a new producer
// (a fresh Kafka client: "another machine") resumes from it, and a failed run leaves it untouched.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ENVELOPE_FIELDS } from '../../src/avro/envelope.js';
import { parseSourceConfig } from '../../src/config/load.js';
import { IncrementalStateStore } from '../../src/producers/incremental-state.js';
import { produce } from '../../src/producers/produce.js';
import { testKafka, testLogger } from '../support/pipeline.js';
import { readTopic } from '../support/topic-reader.js';
import { sendJson, startRecorder } from '../unit/rest-support.js';

const suffix = randomBytes(4).toString('hex');
const sourceName = `inc_${suffix}`;
const stateTopic = `streamtap.incremental-state.test-${suffix}`;

const schemasDir = mkdtempSync(join(tmpdir(), 'streamtap-inc-schemas-'));
mkdirSync(join(schemasDir, sourceName));
writeFileSync(
  join(schemasDir, sourceName, 'items.avsc'),
  JSON.stringify({
    type: 'record',
    name: 'Items',
    namespace: `streamtap.${sourceName}`,
    fields: [{ name: 'id', type: 'long' }, { name: 'ts', type: 'long' }, ...ENVELOPE_FIELDS],
  }),
);

// The API: records with ts, filtered by ?since= (inclusive), two per page.
const dataset: { id: number; ts: number }[] = [];
let failPage: number | undefined;
const server = await startRecorder((req, res) => {
  const since = Number(req.url.searchParams.get('since') ?? 0);
  const page = Number(req.url.searchParams.get('page') ?? 0);
  if (page === failPage) return sendJson(res, 400, { error: 'bad request' });
  sendJson(res, 200, { items: dataset.filter((r) => r.ts >= since).slice(page * 2, page * 2 + 2) });
});
after(() => server.close());

const source = parseSourceConfig(
  {
    name: sourceName,
    client: { base_url: server.url },
    resources: [
      {
        name: 'items',
        primary_key: 'id',
        endpoint: {
          path: '/items',
          data_selector: 'items',
          paginator: { type: 'page_number', total_path: null },
          incremental: { start_param: 'since', cursor_path: 'ts', initial_value: 0 },
        },
      },
    ],
  },
  { name: sourceName, origin: 'test', env: {} },
);

/** One producer run with its own Kafka client, as a producer on another machine would have. */
async function run() {
  const before = server.requests.length;
  const report = await produce({
    source,
    kafka: testKafka(),
    schemasDir,
    secrets: { env: {} },
    logger: testLogger(),
    stateTopic,
    partitions: 1,
  });
  const sinces = server.requests.slice(before).map((r) => r.url.searchParams.get('since'));
  return {
    report,
    since: sinces[0],
    state: (await new IncrementalStateStore(testKafka(), stateTopic).load(sourceName)).get('items'),
  };
}

const add = (...ts: number[]) => dataset.push(...ts.map((t) => ({ id: t, ts: t })));

test('incremental state: saved after a run, resumed by a new producer, untouched by a failed run', async () => {
  add(1, 2, 3, 4, 5);
  const first = await run();
  assert.equal(first.report.ok, true, JSON.stringify(first.report.resources));
  assert.equal(first.since, '0', 'the first run starts at initial_value');
  assert.equal(first.report.resources[0]?.records, 5);
  assert.equal(first.state?.lastValue, 5);
  assert.equal(first.state?.cursorPath, 'ts');
  assert.equal(first.state?.runId, first.report.runId);

  add(6, 7, 8);
  const second = await run();
  assert.equal(second.since, '5', 'a new producer resumes from the saved last value');
  assert.equal(second.report.resources[0]?.records, 4, 'ts 5 again (closed start, as dlt), then 6, 7, 8');
  assert.equal(second.state?.lastValue, 8);

  add(9, 10, 11);
  failPage = 1;
  const failed = await run();
  assert.equal(failed.report.ok, false);
  assert.equal(failed.since, '8');
  assert.match(failed.report.resources[0]?.error ?? '', /HTTP 400/);
  assert.equal(failed.state?.lastValue, 8, 'a failed run saves nothing, though its first page reached Kafka');

  failPage = undefined;
  const recovered = await run();
  assert.equal(recovered.since, '8');
  assert.equal(recovered.state?.lastValue, 11);

  // The state topic is compacted, keyed <source>.<resource>, and holds JSON a person can read.
  const admin = testKafka().admin();
  await admin.connect();
  const configs = await admin.describeConfigs({
    resources: [{ type: 2, name: stateTopic, configNames: ['cleanup.policy'] }],
    includeSynonyms: false,
  });
  await admin.disconnect();
  assert.equal(configs.resources[0]?.configEntries[0]?.configValue, 'compact');
  const messages = await readTopic(testKafka(), stateTopic);
  assert.deepEqual(
    messages.map((m) => [
      m.key?.toString(),
      (JSON.parse(m.value?.toString() ?? 'null') as { lastValue: number }).lastValue,
    ]),
    [
      [`${sourceName}.items`, 5],
      [`${sourceName}.items`, 8],
      [`${sourceName}.items`, 11],
    ],
  );
});
