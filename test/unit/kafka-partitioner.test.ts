// streamtap's partitioner must put every key where kafkajs's DefaultPartitioner (Java's murmur2) puts it:
// a key that moved partition would lose its per-key ordering across runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { defaultPartitioner, murmur2 } from '../../src/kafka/partitioner.js';

const metadata = (n: number, leaderless: number[] = []) =>
  Array.from({ length: n }, (_, partitionId) => ({
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));

test('murmur2 and the partition of every key match kafkajs DefaultPartitioner', () => {
  const theirs = kafkajs.Partitioners.DefaultPartitioner();
  const ours = defaultPartitioner();
  const keys: (string | Buffer)[] = [
    '',
    'a',
    'ab',
    'abc',
    'abcd',
    'abcde',
    'évt',
    '😀',
    'é'.repeat(400),
    'x'.repeat(5000),
    Buffer.from([0xff, 0x80, 0, 1, 2]),
  ];
  for (let i = 0; i < 3000; i++) keys.push(`${i.toString(36)}-${'k'.repeat(i % 13)}${i % 5 === 0 ? 'ñ' : ''}`);
  for (const key of keys) {
    for (const n of [1, 3, 7, 12]) {
      const args = { topic: 't', partitionMetadata: metadata(n), message: { key, value: null } };
      assert.equal(ours(args), theirs(args), `key ${String(key).slice(0, 20)} over ${n}`);
    }
  }
  // The Java client's own test vectors (UtilsTest.testMurmur2): independent of kafkajs.
  const java: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [key, hash] of java) {
    assert.equal(murmur2(key), hash, key);
    assert.equal(murmur2(Buffer.from(key)), hash, key);
  }
});

test('an explicit partition wins; keyless messages go round robin over partitions that have a leader', () => {
  const ours = defaultPartitioner();
  assert.equal(
    ours({ topic: 't', partitionMetadata: metadata(3), message: { key: 'a', partition: 2, value: null } }),
    2,
  );
  const seen = new Set<number>();
  for (let i = 0; i < 12; i++)
    seen.add(ours({ topic: 't', partitionMetadata: metadata(4, [1]), message: { key: null, value: null } }));
  assert.deepEqual([...seen].sort(), [0, 2, 3]);
});
