// Topics fit for a cluster (issue 16, item 2), on the single local broker: the partition counts a resource
// and the settings ask for, replication factor and min.insync.replicas chosen for one broker, and an
// override the cluster cannot honour refused before any topic exists.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import kafkajs from 'kafkajs';
import { inferSchema } from '../../src/avro/infer.js';
import { parseSourceConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { ensureTopics } from '../../src/kafka/client.js';
import { produce } from '../../src/producers/produce.js';
import { sendJson, startServer, type TestServer } from '../support/http-server.js';
import { testKafka, testLogger } from '../support/pipeline.js';

const servers: TestServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function setup() {
  const server = await startServer((_req, res) => sendJson(res, 200, [{ id: 'a' }, { id: 'b' }]));
  servers.push(server);
  const name = `layout_${randomBytes(4).toString('hex')}`;
  const schemasDir = mkdtempSync(join(tmpdir(), 'streamtap-schemas-'));
  mkdirSync(join(schemasDir, name));
  for (const resource of ['wide', 'plain'])
    writeFileSync(
      join(schemasDir, name, `${resource}.avsc`),
      JSON.stringify(inferSchema([{ id: 'a' }], { name: resource, namespace: `t.${name}`, primaryKey: ['id'] })),
    );
  const source = parseSourceConfig(
    {
      client: { base_url: server.url },
      resource_defaults: { primary_key: 'id', write_disposition: 'merge' },
      resources: [{ name: 'wide', kafka: { partitions: 5 } }, 'plain'],
    },
    { name, origin: 'test', env: {} },
  );
  return { source, schemasDir, kafka: testKafka() };
}

async function describe(kafka: kafkajs.Kafka, topics: readonly string[]) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics: meta } = await admin.fetchTopicMetadata({ topics: [...topics] });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name })),
    });
    return topics.map((topic) => {
      const t = meta.find((m) => m.name === topic);
      const entries = configs.resources.find((r) => r.resourceName === topic)?.configEntries ?? [];
      return {
        topic,
        partitions: t?.partitions.length,
        replicas: [...new Set(t?.partitions.map((p) => p.replicas.length))],
        minIsr: entries.find((e) => e.configName === 'min.insync.replicas')?.configValue,
      };
    });
  } finally {
    await admin.disconnect();
  }
}

test('resource topics get their configured partitions, RF 1 and min.insync.replicas 1 on one broker', async () => {
  const { source, schemasDir, kafka } = await setup();
  const report = await produce({
    source,
    kafka,
    schemasDir,
    secrets: { env: {} },
    logger: testLogger(),
    topics: { partitions: 2 },
  });
  assert.equal(report.ok, true);
  const n = source.name;
  assert.deepEqual(await describe(kafka, [`${n}.wide`, `${n}.plain`, `${n}.wide.dlq`]), [
    { topic: `${n}.wide`, partitions: 5, replicas: [1], minIsr: '1' },
    { topic: `${n}.plain`, partitions: 2, replicas: [1], minIsr: '1' },
    { topic: `${n}.wide.dlq`, partitions: 1, replicas: [1], minIsr: '1' },
  ]);

  // An existing topic keeps its partitions; asking for another count is reported, not silently ignored.
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ensured = await ensureTopics(admin, [{ topic: `${n}.wide`, partitions: 8 }, { topic: `${n}.plain` }]);
    assert.deepEqual(ensured.layout, { replicationFactor: 1, minInsyncReplicas: 1, partitions: 3 });
    assert.deepEqual(ensured.mismatches, [
      { topic: `${n}.wide`, partitions: 5, wanted: 8 },
      { topic: `${n}.plain`, partitions: 2, wanted: 3 },
    ]);
  } finally {
    await admin.disconnect();
  }
});

test('a replication factor above the broker count fails before any topic is created', async () => {
  const { source, schemasDir, kafka } = await setup();
  await assert.rejects(
    produce({
      source,
      kafka,
      schemasDir,
      secrets: { env: {} },
      logger: testLogger(),
      topics: { replicationFactor: 3 },
    }),
    (e: unknown) => e instanceof ConfigError && /needs at least 3 brokers; the cluster has 1/.test(e.message),
  );
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    assert.deepEqual(
      existing.filter((t) => t.startsWith(`${source.name}.`)),
      [],
    );
  } finally {
    await admin.disconnect();
  }
});
