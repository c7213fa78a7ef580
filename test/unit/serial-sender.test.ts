// The sender's answer check against kafkajs's lost-partition bug (tulios/kafkajs#1303): a sendBatch that
// resolves without a partition it was given has not written that partition's messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message, PartitionerArgs, Producer, RecordMetadata } from 'kafkajs';
import { defaultPartitioner } from '../../src/kafka/partitioner.js';
import { SerialSender, type TopicBatch } from '../../src/producers/serial-sender.js';

const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: partitionId + 1 }));

/** A producer that partitions as kafkajs does and answers for every partition but those `drop` names on a call. */
function fakeProducer(drop: (call: number) => readonly number[]) {
  const partitioner = defaultPartitioner();
  const calls: { topic: string; partition: number; key: string }[][] = [];
  const producer = {
    sendBatch: async ({ topicMessages }: { topicMessages: TopicBatch[] }): Promise<RecordMetadata[]> => {
      const dropped = drop(calls.length + 1);
      const sent: { topic: string; partition: number; key: string }[] = [];
      const answer = new Map<string, RecordMetadata>();
      for (const { topic, messages } of topicMessages)
        for (const message of messages) {
          const partition = partitioner({ topic, partitionMetadata, message } as PartitionerArgs);
          sent.push({ topic, partition, key: String(message.key) });
          if (!dropped.includes(partition))
            answer.set(`${topic} ${partition}`, { topicName: topic, partition, errorCode: 0 });
        }
      calls.push(sent);
      return [...answer.values()];
    },
  } as unknown as Producer;
  return { producer, calls };
}

const messages = (n: number): Message[] => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'v' }));

test('messages of a partition the answer leaves out are sent again, and only those', async () => {
  const { producer, calls } = fakeProducer((call) => (call === 1 ? [1] : []));
  await new SerialSender(producer).send([{ topic: 't', messages: messages(30) }]);
  assert.equal(calls.length, 2);
  assert.equal(calls[0]!.length, 30);
  const again = calls[1]!;
  assert.ok(again.length > 0 && again.every((m) => m.partition === 1), 'the second call holds partition 1 only');
  assert.deepEqual(
    again.map((m) => m.key),
    calls[0]!.filter((m) => m.partition === 1).map((m) => m.key),
    'every message of partition 1, in order',
  );
});

test('a partition never answered fails the send, naming what is left', async () => {
  const { producer, calls } = fakeProducer(() => [2]);
  await assert.rejects(
    new SerialSender(producer).send([{ topic: 't', messages: messages(30) }]),
    /Kafka left \d+ message\(s\) of t unanswered 5 times in a row/,
  );
  assert.equal(calls.length, 5);
});

test('a complete answer is one call', async () => {
  const { producer, calls } = fakeProducer(() => []);
  await new SerialSender(producer).send([
    { topic: 'a', messages: messages(10) },
    { topic: 'b', messages: [] },
  ]);
  assert.equal(calls.length, 1);
});
