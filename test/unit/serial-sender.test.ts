// The sender's split by partition and its answer check. One kafkajs sendBatch per partition, so no call
// spans two brokers (kafkajs 2.2.4 retries a call while its other brokers' requests are in flight, and
// writes their records twice); and a sendBatch that resolves without the partition it was given (the
// lost-partition bug, tulios/kafkajs#1303) has not written its messages, which are sent again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message, PartitionerArgs, Producer, RecordMetadata } from 'kafkajs';
import { defaultPartitioner, keyPartition } from '../../src/kafka/partitioner.js';
import { SerialSender, type TopicBatch } from '../../src/producers/serial-sender.js';

const PARTITIONS = 3;
const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
  partitionId,
  leader: partitionId + 1,
}));
const counts = { count: async () => PARTITIONS };

type Sent = { topic: string; partition: number; key: string };

/**
 * A producer that partitions as kafkajs does and answers for every partition but those `drop` names on a
 * call; `hold(partition)` may return a promise the call waits on, and `fail(partition)` makes it reject.
 */
function fakeProducer(
  drop: (call: number) => readonly number[],
  options: { hold?: (partition: number) => Promise<void> | undefined; fail?: (partition: number) => boolean } = {},
) {
  const partitioner = defaultPartitioner();
  const calls: Sent[][] = [];
  const events: string[] = [];
  const producer = {
    sendBatch: async ({ topicMessages }: { topicMessages: TopicBatch[] }): Promise<RecordMetadata[]> => {
      const dropped = drop(calls.length + 1);
      const sent: Sent[] = [];
      const answer = new Map<string, RecordMetadata>();
      for (const { topic, messages } of topicMessages)
        for (const message of messages) {
          const partition = partitioner({ topic, partitionMetadata, message } as PartitionerArgs);
          sent.push({ topic, partition, key: String(message.key) });
          if (!dropped.includes(partition))
            answer.set(`${topic} ${partition}`, { topicName: topic, partition, errorCode: 0 });
        }
      calls.push(sent);
      const partition = sent[0]!.partition;
      await options.hold?.(partition);
      if (options.fail?.(partition)) {
        events.push(`p${partition} failed`);
        throw new Error(`broker of partition ${partition} is gone`);
      }
      events.push(`p${partition} answered`);
      return [...answer.values()];
    },
  } as unknown as Producer;
  return { producer, calls, events };
}

const messages = (n: number): Message[] => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'v' }));
const partitionsOf = (call: Sent[]) => new Set(call.map((m) => `${m.topic} ${m.partition}`));

test('a send is one sendBatch per topic and partition, each message on the partition murmur2 gives its key', async () => {
  const { producer, calls } = fakeProducer(() => []);
  const sent = messages(30);
  await new SerialSender(producer, counts).send([
    { topic: 'a', messages: sent },
    { topic: 'b', messages: messages(5) },
    { topic: 'c', messages: [] },
  ]);
  assert.ok(
    calls.every((c) => partitionsOf(c).size === 1),
    'no call spans two partitions',
  );
  assert.equal(calls.flat().length, 35, 'every message once');
  for (const m of calls.flat()) assert.equal(m.partition, keyPartition(m.key, PARTITIONS));
  // The messages of one partition keep their order.
  for (const call of calls.filter((c) => c[0]!.topic === 'a'))
    assert.deepEqual(
      call.map((m) => m.key),
      sent.filter((m) => keyPartition(String(m.key), PARTITIONS) === call[0]!.partition).map((m) => String(m.key)),
    );
});

test('keyless messages take the partitions in turn', async () => {
  const { producer, calls } = fakeProducer(() => []);
  const keyless: Message[] = Array.from({ length: 6 }, () => ({ key: null, value: 'v' }));
  await new SerialSender(producer, counts).send([{ topic: 't', messages: keyless }]);
  assert.deepEqual(
    calls.map((c) => c.length),
    [2, 2, 2],
  );
});

test('messages of a partition the answer leaves out are sent again, and only those', async () => {
  const { producer, calls } = fakeProducer((call) => (call <= PARTITIONS ? [1] : []));
  await new SerialSender(producer, counts).send([{ topic: 't', messages: messages(30) }]);
  assert.equal(calls.length, PARTITIONS + 1);
  const first = calls.find((c) => c[0]!.partition === 1)!;
  const again = calls.at(-1)!;
  assert.ok(
    again.every((m) => m.partition === 1),
    'the extra call holds partition 1 only',
  );
  assert.deepEqual(
    again.map((m) => m.key),
    first.map((m) => m.key),
    'every message of partition 1, in order',
  );
});

test('a partition never answered fails the send, naming what is left', async () => {
  const { producer, calls } = fakeProducer(() => [2]);
  await assert.rejects(
    new SerialSender(producer, counts).send([{ topic: 't', messages: messages(30) }]),
    /Kafka left \d+ message\(s\) of t unanswered 5 times in a row/,
  );
  assert.equal(calls.filter((c) => c[0]!.partition === 2).length, 5);
});

test("a failed partition fails the send only once the other partitions' calls are answered", async () => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const { producer, events } = fakeProducer(() => [], {
    // Partition 2 is still in flight when partition 0 fails; it is answered after that.
    hold: (p) => (p === 2 ? held : undefined),
    fail: (p) => {
      if (p === 0) setImmediate(release);
      return p === 0;
    },
  });
  await assert.rejects(
    new SerialSender(producer, counts).send([{ topic: 't', messages: messages(30) }]),
    /broker of partition 0 is gone/,
  );
  events.push('send rejected');
  assert.deepEqual(events.slice(-2), ['p2 answered', 'send rejected']);
});

test('a topic the cluster does not know fails the send with the look-up error, sending nothing', async () => {
  const { producer, calls } = fakeProducer(() => []);
  const unknown = { count: async () => Promise.reject(new Error("Kafka's metadata lists no partition of topic t")) };
  await assert.rejects(
    new SerialSender(producer, unknown).send([{ topic: 't', messages: messages(3) }]),
    /no partition of topic t/,
  );
  assert.equal(calls.length, 0);
});
