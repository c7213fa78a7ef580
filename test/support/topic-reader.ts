// Reads every message of a topic, from the start to the end offsets seen when called.
import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export async function readTopic(kafka: Kafka, topic: string): Promise<KafkaMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(offsets.map((o) => [o.partition, BigInt(o.high) - BigInt(o.low)]));
  const total = [...remaining.values()].reduce((a, b) => a + b, 0n);
  const messages: KafkaMessage[] = [];
  if (total === 0n) return messages;
  const consumer = kafka.consumer({ groupId: `test-reader-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          messages.push(...batch.messages);
          if (BigInt(messages.length) >= total) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return messages;
}
