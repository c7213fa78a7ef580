// What crosses a thread boundary: Kafka batches packed into one transferable buffer come out as the same
// messages, and an error keeps the name, message, fields and streamtap code that decide exit codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from 'kafkajs';
import { ConfigError } from '../../src/config/errors.js';
import { classifyFailure, errorCode, ErrorCode } from '../../src/errors.js';
import { packBatches, unpackBatches } from '../../src/producers/batch-wire.js';
import { fromErrorPayload, toErrorPayload } from '../../src/threads/errors.js';

test('packed batches unpack to the same keys, values, headers and partitions', () => {
  const page = { 'streamtap.source': Buffer.from('s'), 'streamtap.run-id': 'r1' };
  const messages: Message[] = [
    { key: 'a', value: Buffer.from([1, 2, 3]), headers: page },
    { key: null, value: null, headers: { reason: 'too large' } },
    { key: Buffer.from('k'), value: 'text value', headers: page, partition: 2 },
    { key: 'b', value: Buffer.alloc(0) },
  ];
  const { packed, transfer } = packBatches([
    { topic: 't', messages },
    { topic: 'empty', messages: [] },
  ]);
  assert.equal(packed.length, 1, 'a topic without messages is not sent');
  assert.equal(transfer.length, 1);
  // The buffer is moved, not copied, as postMessage does with a transfer list.
  const moved = structuredClone(packed, { transfer });
  assert.equal(transfer[0]?.byteLength, 0, 'the transferred buffer is detached on this side');
  const [out] = unpackBatches(moved);
  assert.equal(out?.topic, 't');
  const got = out?.messages ?? [];
  assert.deepEqual(
    got.map((m) => [m.key, m.value === null ? null : Buffer.from(m.value as Buffer).toString('hex'), m.partition]),
    [
      ['a', '010203', undefined],
      [null, null, undefined],
      [Buffer.from('k'), Buffer.from('text value').toString('hex'), 2],
      ['b', '', undefined],
    ],
  );
  assert.ok(Buffer.isBuffer(got[0]?.value) && Buffer.isBuffer(got[2]?.key), 'kafkajs is handed Buffers');
  const headers = got[0]?.headers ?? {};
  assert.ok(Buffer.isBuffer(headers['streamtap.source']));
  assert.equal(String(headers['streamtap.source']), 's');
  assert.equal(headers['streamtap.run-id'], 'r1');
  assert.equal(got[0]?.headers, got[2]?.headers, 'a shared header set stays shared');
  assert.equal(got[3]?.headers, undefined);
});

test('an error keeps its streamtap code, and so its exit code, across a thread', () => {
  const original = new ConfigError('pipelines/x.ts', [{ path: 'resources.0', message: 'bad' }]);
  const rebuilt = fromErrorPayload(structuredClone(toErrorPayload(original)));
  assert.equal(errorCode(rebuilt), ErrorCode.CONFIG_INVALID);
  assert.equal(classifyFailure(rebuilt).exitCode, 2);
  assert.equal(rebuilt.name, original.name);
  assert.equal(rebuilt.message, original.message);
  assert.equal(rebuilt.stack, original.stack);
});

test('a library error keeps its name, fields and cause, and stays a stage failure (exit 1)', () => {
  const cause = new Error('socket hang up');
  const original = Object.assign(new Error('This server does not host this topic-partition', { cause }), {
    name: 'KafkaJSProtocolError',
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    code: 3,
    retriable: true,
  });
  const rebuilt = fromErrorPayload(structuredClone(toErrorPayload(original))) as Error & Record<string, unknown>;
  assert.equal(rebuilt.name, 'KafkaJSProtocolError');
  assert.equal(rebuilt.type, 'UNKNOWN_TOPIC_OR_PARTITION');
  assert.equal(rebuilt.code, 3);
  assert.equal(rebuilt.retriable, true);
  assert.equal((rebuilt.cause as Error).message, 'socket hang up');
  assert.equal(classifyFailure(rebuilt).exitCode, 1);
});
