// The error model: every error class extends StreamtapError with a code from the one list; the CLI's exit
// code and "permanent vs transient" come from the code alone; ClickHouse codes are classified in one place.
import { PrimaryKeyFieldError, UnmappableNameError } from '../../src/avro/names.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyFailure, errorCode, ErrorCode, StreamtapError } from '../../src/errors.js';
import { ConfigError, SecretMissingError } from '../../src/config/errors.js';
import { TemplateSyntaxError, TemplateValueError } from '../../src/config/template.js';
import { SchemaMissingError } from '../../src/avro/schema-store.js';
import { SchemaRegistryError } from '../../src/avro/registry.js';
import { AvroDecodeError } from '../../src/avro/single-object.js';
import { RecordShapeError } from '../../src/avro/record-shaper.js';
import { UnsupportedValue } from '../../src/avro/record-writer.js';
import { QueryRefusedError } from '../../src/observability/query-endpoint.js';
import { RestError } from '../../src/rest/errors.js';
import { PaginationError } from '../../src/rest/paginators/paginator.js';
import { StopConditionError } from '../../src/expressions/stop-condition.js';
import { ChannelClosedError } from '../../src/rest/channel.js';
import { IncrementalCursorError } from '../../src/rest/incremental.js';
import { JsonPathSyntaxError } from '../../src/expressions/json-path.js';
import { PoisonMessageError } from '../../src/consumers/dead-letter.js';
import { RunCompletionError } from '../../src/contracts/run-completion.js';
import { SchemaEvolutionError } from '../../src/consumers/table-evolution.js';
import { BatchPolicyError } from '../../src/consumers/batch-policy.js';
import { StateLoadError } from '../../src/producers/incremental-state.js';
import { MissingKeyError } from '../../src/producers/record-key.js';
import { SchemaHistoryError } from '../../src/cli/schema-infer.js';
import { ClickHouseLockedError } from '../../src/clickhouse/client.js';
import { classifyClickHouseError, isServerRefusal } from '../../src/clickhouse/errors.js';

const context = { resource: 'events', url: 'http://api.test/events' };

/** One instance of every exported error class, with the code it must carry. */
const everyError: readonly (readonly [StreamtapError, ErrorCode])[] = [
  [new ConfigError('config.yaml', [{ path: 'x', message: 'bad' }]), 'CONFIG_INVALID'],
  [new SecretMissingError('api_key', ['API_KEY']), 'SECRET_MISSING'],
  [new SchemaMissingError('no schema'), 'SCHEMA_MISSING'],
  [new UnmappableNameError('the field name "" is blank'), 'UNMAPPABLE_NAME'],
  [new PrimaryKeyFieldError('primary key "id" is not a field'), 'PRIMARY_KEY_FIELD'],
  [new QueryRefusedError('not read-only'), 'QUERY_REFUSED'],
  [new TemplateSyntaxError('x'), 'TEMPLATE_INVALID'],
  [new TemplateValueError('x'), 'TEMPLATE_VALUE_MISSING'],
  [new JsonPathSyntaxError('x'), 'JSON_PATH_INVALID'],
  [new StopConditionError('x'), 'STOP_CONDITION_INVALID'],
  [new BatchPolicyError('x'), 'BATCH_POLICY'],
  [new RestError('HTTP_STATUS', 'HTTP 503', true, context), 'HTTP_STATUS'],
  [new PaginationError('CURSOR_LOOP', 'x'), 'CURSOR_LOOP'],
  [new ChannelClosedError('x'), 'CHANNEL_CLOSED'],
  [new IncrementalCursorError('x'), 'INCREMENTAL_CURSOR_INVALID'],
  [new MissingKeyError('x'), 'MISSING_PRIMARY_KEY'],
  [new RecordShapeError('x'), 'RECORD_SHAPE'],
  [new AvroDecodeError('x'), 'AVRO_DECODE'],
  [new UnsupportedValue('x'), 'AVRO_WRITER_UNSUPPORTED'],
  [new PoisonMessageError('MISSING_PRIMARY_KEY', 'x'), 'MISSING_PRIMARY_KEY'],
  [new SchemaEvolutionError('x'), 'SCHEMA_INCOMPATIBLE'],
  [new SchemaHistoryError('x'), 'SCHEMA_HISTORY'],
  [new SchemaRegistryError('x', 503, true), 'SCHEMA_REGISTRY'],
  [new StateLoadError('x'), 'STATE_LOAD_FAILED'],
  [new RunCompletionError('x'), 'BAD_RUN_COMPLETION'],
  [new ClickHouseLockedError('x'), 'CLICKHOUSE_LOCKED'],
];

test('every error class extends StreamtapError, with a code from the one list, a name and retriable', () => {
  const codes = new Set<string>(Object.values(ErrorCode));
  for (const [error, code] of everyError) {
    assert.ok(error instanceof StreamtapError, error.constructor.name);
    assert.ok(error instanceof Error, error.constructor.name);
    assert.equal(error.code, code, error.constructor.name);
    assert.ok(codes.has(error.code), `${error.code} is in ErrorCode`);
    assert.equal(errorCode(error), code);
    assert.equal(error.name, error.constructor.name, 'name is the class name');
    assert.equal(typeof error.retriable, 'boolean', error.constructor.name);
  }
  assert.equal(new SchemaRegistryError('down', 0, true).retriable, true);
  assert.equal(new SchemaRegistryError('no such subject', 404, false).retriable, false);
  assert.equal(new RestError('HTTP_STATUS', 'HTTP 404', false, context).retriable, false);
  assert.equal(new StateLoadError('x').retriable, false, 'false unless the thrower says so');
  // Duplicates merged: the producer's missing key and the consumer's dead letter share one code.
  assert.equal(new MissingKeyError('x').code, new PoisonMessageError('MISSING_PRIMARY_KEY', 'x').code);
  assert.equal(errorCode(new Error('x')), undefined);
  assert.equal(errorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), undefined, 'only our codes');
});

test('exit code and permanence come from the code: 2 and permanent when config, secret, schema or command is wrong', () => {
  for (const [error, code] of everyError) {
    const expected = [
      'CONFIG_INVALID',
      'SECRET_MISSING',
      'SCHEMA_MISSING',
      'QUERY_REFUSED',
      'TEMPLATE_INVALID',
      'JSON_PATH_INVALID',
      'STOP_CONDITION_INVALID',
      'BATCH_POLICY',
      'UNMAPPABLE_NAME',
      'PRIMARY_KEY_FIELD',
    ].includes(code)
      ? 2
      : 1;
    assert.deepEqual(classifyFailure(error), { exitCode: expected, permanent: expected === 2 }, code);
  }
  assert.deepEqual(classifyFailure(new RestError('HTTP_STATUS', 'HTTP 401', false, context)), {
    exitCode: 1,
    permanent: false,
  });
  assert.deepEqual(classifyFailure(new TypeError('x is undefined')), { exitCode: 1, permanent: false });
  assert.deepEqual(classifyFailure('a string'), { exitCode: 1, permanent: false });
  // A look-alike from elsewhere does not borrow our meaning.
  assert.deepEqual(classifyFailure({ code: 'CONFIG_INVALID' }), { exitCode: 1, permanent: false });
});

test('ClickHouse codes: rows rejected, table missing, or an outage worth retrying', () => {
  const ch = (code: string) => Object.assign(new Error(`Code: ${code}`), { code, type: 'SOME_TYPE' });
  for (const code of ['6', '27', '38', '41', '53', '70', '72', '117', '321', '349', '691'])
    assert.equal(classifyClickHouseError(ch(code)), 'rejected-rows', code);
  assert.equal(classifyClickHouseError(ch('60')), 'missing-table', 'UNKNOWN_TABLE');
  assert.equal(classifyClickHouseError(ch('81')), 'missing-table', 'UNKNOWN_DATABASE');
  for (const code of ['252', '241', '159', '202', '242', '62', '16'])
    assert.equal(classifyClickHouseError(ch(code)), 'outage', code);
  assert.equal(classifyClickHouseError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), 'outage');
  assert.equal(classifyClickHouseError(new Error('socket hang up')), 'outage');
  assert.equal(classifyClickHouseError(null), 'outage');
  assert.equal(isServerRefusal(ch('53')), true);
  assert.equal(isServerRefusal(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), false);
  assert.equal(isServerRefusal({ code: '53' }), false, 'no exception type: not the server answering');
});
