// On a 3-node local cluster (`bash scripts/kafka.sh start --nodes 3`): streamtap's topics get replication
// factor 3 and min.insync.replicas 2 from the cluster size, every partition fully in sync.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { createKafka, ensureTopics, kafkaSettingsFromEnv } from '../../src/kafka/client.js';
import { testLogger } from '../support/pipeline.js';

const brokers = process.env.KAFKA_CLUSTER_BROKERS;

test(
  'topics on three brokers: RF 3, min.insync.replicas 2, all replicas in sync',
  // Two cores cannot hold three more JVMs through the whole suite: scripts/test-cluster.sh starts the
  // cluster after it (`npm run test:cluster`, or `npm test` with STREAMTAP_TEST_CLUSTER=1, as CI does).
  { skip: brokers ? false : 'KAFKA_CLUSTER_BROKERS is not set (scripts/kafka.sh start --nodes 3 prints it)' },
  async () => {
    const kafka = createKafka(kafkaSettingsFromEnv({ KAFKA_BROKERS: brokers }), testLogger());
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topic = `cluster_${randomBytes(4).toString('hex')}.items`;
      const { layout } = await ensureTopics(admin, [{ topic, partitions: 6 }]);
      assert.deepEqual(layout, { replicationFactor: 3, minInsyncReplicas: 2, partitions: 3 });
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = topics[0]?.partitions ?? [];
      assert.equal(partitions.length, 6);
      for (const p of partitions) {
        assert.equal(p.replicas.length, 3, `partition ${p.partitionId} has three replicas`);
        assert.equal(p.isr.length, 3, `partition ${p.partitionId}: all three in sync`);
      }
      assert.equal(new Set(partitions.map((p) => p.leader)).size, 3, 'leaders spread over the three brokers');
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic }],
      });
      const minIsr = configs.resources[0]?.configEntries.find((e) => e.configName === 'min.insync.replicas');
      assert.equal(minIsr?.configValue, '2');
      await admin.deleteTopics({ topics: [topic] });
    } finally {
      await admin.disconnect();
    }
  },
);
