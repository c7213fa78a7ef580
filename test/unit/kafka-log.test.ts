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

test("a group's rebalance and a moved coordinator are handled by kafkajs: debug; a lost broker during a send is a warning", () => {
  assert.equal(
    kafkajsLogLevel(logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', { error: 'The group is rebalancing' }),
    'debug',
  );
  assert.equal(
    kafkajsLogLevel(logLevel.ERROR, 'Response OffsetFetch(key: 9, version: 4)', {
      error: 'This is not the correct coordinator for this group',
    }),
    'debug',
  );
  assert.equal(
    kafkajsLogLevel(logLevel.ERROR, 'Failed to send messages: Connection error: connect ECONNREFUSED 127.0.0.1:29094', {
      retryCount: 2,
    }),
    'warn',
  );
  // Anything else from kafkajs's own code, e.g. the consumer's crash, stays an error.
  assert.equal(kafkajsLogLevel(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded', { error: 'x' }), 'error');
});
