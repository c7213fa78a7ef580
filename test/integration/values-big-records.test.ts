// Issue 14, big records: one API record of 1.37 MB, beside two small ones, through `streamtap run`
// against the real broker. Topics streamtap creates accept it (max.message.bytes 8 MiB): it is published,
// decodes independently and lands whole in ClickHouse. A topic that exists with Kafka's default limit
// (1 MiB) does not: the record is dead-lettered with its key, size and the limit, the others load.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TestServer } from '../support/http-server.js';
import { IndependentDecoder } from '../support/independent-decoder.js';
import { testKafka } from '../support/pipeline.js';
import { fixtureConfig, sqlRows, startFixtureApi, streamtapAsync } from '../support/streamtap-cli.js';
import { readTopic } from '../support/topic-reader.js';

// After /work/shared/cases/15-kafka-message-over-1mib: a help-center article whose body is one long page.
const BIG_BODY = `<p>${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(24_000)}</p>`;
const ARTICLES = [
  { id: 360001, title: 'Getting started', body: '<p>short</p>', updated_at: '2025-01-10T10:00:00Z' },
  { id: 360002, title: 'Full API reference (one page)', body: BIG_BODY, updated_at: '2025-01-11T10:00:00Z' },
  { id: 360003, title: 'FAQ', body: '<p>faq</p>', updated_at: '2025-01-12T10:00:00Z' },
];
const CONFIG = 'test/fixtures/values/big-records/config.json';
const md5 = (text: string) => createHash('md5').update(text).digest('hex').toUpperCase();

let api: TestServer;
before(async () => {
  api = await startFixtureApi({
    routes: [{ path: '/help_center/articles', json: { articles: ARTICLES, next_page: null } }],
  });
  assert.ok(Buffer.byteLength(BIG_BODY) > 1_048_588, 'the big record is over Kafka’s default limit');
});
after(() => api.close());

async function prepared(): Promise<{ name: string; config: string; schemas: string; dataDir: string }> {
  const name = `big_${randomBytes(4).toString('hex')}`;
  const config = fixtureConfig(CONFIG, name);
  const schemas = mkdtempSync(join(tmpdir(), 'streamtap-schemas-'));
  const infer = await streamtapAsync(['schema', 'infer', config, '--base-url', api.url, '--schemas', schemas]);
  assert.equal(infer.code, 0, infer.stderr);
  return { name, config, schemas, dataDir: mkdtempSync(join(tmpdir(), 'streamtap-data-')) };
}

test('a 1.37 MB record is published to a topic streamtap created and lands whole in ClickHouse', async () => {
  const { name, config, schemas, dataDir } = await prepared();
  const run = await streamtapAsync(['run', config, '--base-url', api.url, '--schemas', schemas, '--data-dir', dataDir]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /articles +ok +1 +3 +0/);

  const decoder = new IndependentDecoder(schemas);
  const messages = await readTopic(testKafka(), `${name}.articles`);
  const decoded = messages
    .map((m) => decoder.decode(m.value as Buffer).value)
    .sort((a, b) => Number(a.id) - Number(b.id));
  assert.deepEqual(
    decoded.map((v) => [v.id, v.title, v.body]),
    ARTICLES.map((a) => [a.id, a.title, a.body]),
  );
  assert.deepEqual(
    await sqlRows(
      `SELECT id, length(body) AS bytes, hex(MD5(body)) AS md5 FROM ${name}.articles FINAL ORDER BY id`,
      dataDir,
    ),
    ARTICLES.map((a) => ({ id: a.id, bytes: Buffer.byteLength(a.body), md5: md5(a.body) })),
  );
});

test("a topic that exists with Kafka's default 1 MiB limit: the big record is dead-lettered with key, size and limit", async () => {
  const { name, config, schemas, dataDir } = await prepared();
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: `${name}.articles`,
          numPartitions: 3,
          configEntries: [{ name: 'max.message.bytes', value: '1048588' }],
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
  const run = await streamtapAsync(['run', config, '--base-url', api.url, '--schemas', schemas, '--data-dir', dataDir]);
  assert.equal(run.code, 1, 'a dead-lettered record is a reported failure');
  assert.match(run.stdout, /articles +FAILED +1 +2 +1/);

  const [dead, ...more] = await readTopic(testKafka(), `${name}.articles.dlq`);
  assert.equal(more.length, 0);
  assert.equal(String(dead?.headers?.['streamtap.error.class']), 'MESSAGE_TOO_LARGE');
  assert.match(
    String(dead?.headers?.['streamtap.error.message']),
    new RegExp(
      `^record "360002" is \\d{7} bytes as a Kafka message, over the 1048588 bytes topic ${name}\\.articles accepts`,
    ),
  );
  // The dead-letter topic is streamtap's (8 MiB): the record itself is there, exactly as the API sent it.
  assert.deepEqual(JSON.parse(String(dead?.value)), ARTICLES[1]);
  assert.deepEqual(
    await sqlRows(`SELECT id, body FROM ${name}.articles FINAL ORDER BY id`, dataDir),
    [ARTICLES[0], ARTICLES[2]].map((a) => ({ id: a?.id, body: a?.body })),
  );
});
