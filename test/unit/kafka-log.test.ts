import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logLevel } from 'kafkajs';
import { kafkajsLogLevel } from '../../src/kafka/client.js';

// The lines below are the ones kafkajs 2.2.4 writes (src/network/connection.js logs a failed response as
// `Response <api>(key: .., version: ..)` with the error's message).
test('a CreateTopics answer of "Topic creation errors" is handled by kafkajs: debug, never error', () => {
  assert.equal(
    kafkajsLogLevel(logLevel.ERROR, 'Response CreateTopics(key: 19, version: 3)', {
      error: 'Topic creation errors',
      correlationId: 4,
    }),
    'debug',
  );
});

test('other failed responses stay errors', () => {
  assert.equal(
    kafkajsLogLevel(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', { error: 'Topic creation errors' }),
    'error',
  );
  assert.equal(
    kafkajsLogLevel(logLevel.ERROR, 'Response CreateTopics(key: 19, version: 3)', {
      error: 'The request timed out',
    }),
    'error',
  );
  assert.equal(kafkajsLogLevel(logLevel.WARN, 'Connection timeout', {}), 'warn');
});

test('a loading coordinator is debug, and the partitioner notice is dropped', () => {
  assert.equal(
    kafkajsLogLevel(logLevel.ERROR, 'Response FindCoordinator', { error: 'The coordinator is loading and hence...' }),
    'debug',
  );
  assert.equal(
    kafkajsLogLevel(logLevel.WARN, 'KafkaJS v2.0.0 switched default partitioner to the Java one', {}),
    undefined,
  );
});
