// Topic layout from the cluster size (issue 16, item 2): the defaults a cluster needs so that acks=all
// means "on two brokers" with three, and so that one broker down on a two-broker cluster stops no writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { parseSourceConfig } from '../../src/config/load.js';
import { chooseTopicLayout, topicLayoutFromEnv } from '../../src/kafka/topic-layout.js';
import { resolveSettings } from '../../src/cli/settings.js';

test('replication factor and min.insync.replicas follow the broker count', () => {
  const chosen = [1, 2, 3, 5].map((brokers) => {
    const { replicationFactor, minInsyncReplicas, partitions } = chooseTopicLayout(brokers);
    return [brokers, replicationFactor, minInsyncReplicas, partitions];
  });
  assert.deepEqual(chosen, [
    [1, 1, 1, 3],
    [2, 2, 1, 3],
    [3, 3, 2, 3],
    [5, 3, 2, 3],
  ]);
});

test('overrides win over the cluster size, and the min ISR default follows an overridden replication factor', () => {
  assert.deepEqual(chooseTopicLayout(3, { replicationFactor: 2 }), {
    replicationFactor: 2,
    minInsyncReplicas: 1,
    partitions: 3,
  });
  assert.deepEqual(chooseTopicLayout(5, { replicationFactor: 5, minInsyncReplicas: 3, partitions: 12 }), {
    replicationFactor: 5,
    minInsyncReplicas: 3,
    partitions: 12,
  });
  assert.deepEqual(chooseTopicLayout(3, { minInsyncReplicas: 3 }).minInsyncReplicas, 3);
});

test('an override the cluster cannot honour is a config error that names the key', () => {
  assert.throws(
    () => chooseTopicLayout(1, { replicationFactor: 3 }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.issues[0]?.path === 'topics.replication_factor' &&
      /needs at least 3 brokers; the cluster has 1/.test(e.message),
  );
  assert.throws(
    () => chooseTopicLayout(3, { minInsyncReplicas: 4 }),
    (e: unknown) => e instanceof ConfigError && e.issues[0]?.path === 'topics.min_insync_replicas',
  );
});

test('the env names (flags and settings file merged in) give the overrides; junk is refused', () => {
  assert.deepEqual(topicLayoutFromEnv({}), {});
  assert.deepEqual(
    topicLayoutFromEnv({
      STREAMTAP_TOPIC_PARTITIONS: '12',
      STREAMTAP_TOPIC_REPLICATION_FACTOR: '3',
      STREAMTAP_TOPIC_MIN_INSYNC_REPLICAS: '2',
    }),
    { partitions: 12, replicationFactor: 3, minInsyncReplicas: 2 },
  );
  for (const bad of ['0', '-1', '2.5', 'three'])
    assert.throws(
      () => topicLayoutFromEnv({ STREAMTAP_TOPIC_PARTITIONS: bad }),
      (e: unknown) => e instanceof ConfigError && e.issues[0]?.path === 'topics.partitions',
    );
  const resolved = resolveSettings(
    { partitions: '6', replicationFactor: '1' },
    { STREAMTAP_TOPIC_PARTITIONS: '4', STREAMTAP_TOPIC_MIN_INSYNC_REPLICAS: '1' },
  );
  assert.deepEqual(topicLayoutFromEnv(resolved.env), { partitions: 6, replicationFactor: 1, minInsyncReplicas: 1 });
  const shown = Object.fromEntries(resolved.settings.map((s) => [s.def.key, [s.value, s.from]]));
  assert.deepEqual(shown['topics.partitions'], ['6', 'flag']);
  assert.deepEqual(shown['topics.min_insync_replicas'], ['1', 'env']);
});

test('a resource names its partition count, resource_defaults for all, and the count must be positive', () => {
  const source = parseSourceConfig(
    {
      client: { base_url: 'http://localhost:1' },
      resource_defaults: { primary_key: 'id', kafka: { partitions: 6 } },
      resources: ['a', { name: 'b', kafka: { partitions: 12 } }],
    },
    { name: 'layout_test', origin: 'test' },
  );
  assert.deepEqual(
    source.resources.map((r) => [r.name, r.partitions]),
    [
      ['a', 6],
      ['b', 12],
    ],
  );
  assert.throws(
    () =>
      parseSourceConfig(
        {
          client: { base_url: 'http://localhost:1' },
          resources: [{ name: 'c', primary_key: 'id', kafka: { partitions: 0 } }],
        },
        { name: 'layout_test', origin: 'test' },
      ),
    ConfigError,
  );
  assert.throws(
    () =>
      parseSourceConfig(
        {
          client: { base_url: 'http://localhost:1' },
          resources: [{ name: 'c', primary_key: 'id', kafka: { partition: 3 } }],
        },
        { name: 'layout_test', origin: 'test' },
      ),
    ConfigError,
  );
});

test('max.message.bytes of new topics: --max-message-bytes, STREAMTAP_TOPIC_MAX_MESSAGE_BYTES or the settings file', () => {
  assert.deepEqual(topicLayoutFromEnv({ STREAMTAP_TOPIC_MAX_MESSAGE_BYTES: '16777216' }), {
    maxMessageBytes: 16_777_216,
  });
  const resolved = resolveSettings({ maxMessageBytes: '2097152' }, { STREAMTAP_TOPIC_MAX_MESSAGE_BYTES: '4194304' });
  assert.deepEqual(topicLayoutFromEnv(resolved.env), { maxMessageBytes: 2_097_152 });
  assert.throws(
    () => topicLayoutFromEnv({ STREAMTAP_TOPIC_MAX_MESSAGE_BYTES: '8MB' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.issues[0]?.path === 'topics.max_message_bytes' &&
      /STREAMTAP_TOPIC_MAX_MESSAGE_BYTES="8MB" is not a positive integer/.test(e.issues[0].message),
  );
});
