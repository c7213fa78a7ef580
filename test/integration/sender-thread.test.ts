// The producer's Kafka client on its own thread (src/producers/sender-thread.ts), on the real broker:
// batches arrive acknowledged and in order per key, a batch the broker refuses fails its send with the
// broker's error, and closing leaves no thread behind.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ensureTopics, kafkaSettingsFromEnv } from '../../src/kafka/client.js';
import { ThreadSender } from '../../src/producers/sender-thread.js';
import { brokers, testKafka, testLogger } from '../support/pipeline.js';
import { readTopic } from '../support/topic-reader.js';

async function topicWith(config: Record<string, string> = {}): Promise<string> {
  const topic = `sendthread_${randomBytes(4).toString('hex')}`;
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [{ topic, partitions: 3, config }]);
  } finally {
    await admin.disconnect();
  }
  return topic;
}

test('batches sent from the sender thread arrive acknowledged, in call order per key', async () => {
  const topic = await topicWith();
  const sender = await ThreadSender.start(kafkaSettingsFromEnv({ KAFKA_BROKERS: brokers }), testLogger());
  try {
    const headers = { 'streamtap.run-id': Buffer.from('run-1') };
    // Two batches in flight at once: the thread sends them one after the other, in the order given.
    await Promise.all(
      [0, 1].map((round) =>
        sender.send([
          {
            topic,
            messages: Array.from({ length: 50 }, (_, i) => ({
              key: `k${i % 5}`,
              value: Buffer.from(`${round}:${i}`),
              headers,
            })),
          },
        ]),
      ),
    );
  } finally {
    await sender.close();
  }
  const messages = await readTopic(testKafka(), topic);
  assert.equal(messages.length, 100);
  const byKey = new Map<string, string[]>();
  for (const m of messages) {
    const key = String(m.key);
    byKey.set(key, [...(byKey.get(key) ?? []), String(m.value)]);
    assert.equal(String(m.headers?.['streamtap.run-id']), 'run-1');
  }
  for (const [key, values] of byKey) {
    const sorted = [...values].sort((a, b) => order(a) - order(b));
    assert.deepEqual(values, sorted, `key ${key} keeps its send order`);
  }
});

function order(value: string): number {
  const [round, i] = value.split(':').map(Number);
  return (round ?? 0) * 1000 + (i ?? 0);
}

test('a batch the broker refuses fails its send with the broker error; later sends go on; close ends the thread', async () => {
  const topic = await topicWith({ 'max.message.bytes': '1000' });
  const sender = await ThreadSender.start(kafkaSettingsFromEnv({ KAFKA_BROKERS: brokers }), testLogger());
  let exited: Promise<number>;
  try {
    exited = sender.exited;
    await assert.rejects(
      sender.send([{ topic, messages: [{ key: 'big', value: Buffer.alloc(5000, 1) }] }]),
      (error: Error & { type?: string }) => {
        assert.equal(error.name, 'KafkaJSProtocolError');
        assert.equal(error.type, 'MESSAGE_TOO_LARGE');
        return true;
      },
    );
    await sender.send([{ topic, messages: [{ key: 'small', value: Buffer.from('ok') }] }]);
  } finally {
    await sender.close();
  }
  assert.equal(typeof (await exited), 'number', 'the thread has exited once close() returns');
  await assert.rejects(sender.send([{ topic, messages: [{ key: 'late', value: Buffer.from('x') }] }]), {
    name: 'SenderThreadExitedError',
  });
  const messages = await readTopic(testKafka(), topic);
  assert.deepEqual(
    messages.map((m) => String(m.key)),
    ['small'],
  );
});
