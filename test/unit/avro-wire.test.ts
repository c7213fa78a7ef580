// The wire formats and the decoder: single-object encoding checked against an independent decoder,
// Confluent framing, every schema version decodable, new versions picked up from the directory, and
// schema drift counted with a hint. The registry client is checked here against a scripted HTTP server
// for its error handling; test/integration/schema-registry.test.ts runs against a real registry.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { confluentEncoder } from '../../src/avro/confluent.js';
import { driftReport, schemaDrift, type DriftCount } from '../../src/avro/drift.js';
import { SchemaRegistryClient, SchemaRegistryError, type SchemaRegistry } from '../../src/avro/registry.js';
import { loadResourceCodec, loadSchemaHistory, SchemaDecoder, withWireFormat } from '../../src/avro/schema-store.js';
import { writeInferred } from '../../src/cli/schema-infer.js';
import { IndependentDecoder } from '../support/independent-decoder.js';
import { sendJson, startServer } from '../support/http-server.js';

const servers: { close(): Promise<void> }[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

const target = { source: 'shop', resource: 'orders', primaryKey: ['id'] };
const envelope = { _extra: null, _extracted_at: 1_700_000_000_000, _run_id: 'run-1', _version: 1 };

async function twoVersions() {
  const dir = mkdtempSync(join(tmpdir(), 'streamtap-wire-'));
  const file = join(dir, 'shop', 'orders.avsc');
  await writeInferred(file, [{ id: 'a', total: 5, placed_at: '2024-01-01T00:00:00Z' }], target);
  const v1 = await loadResourceCodec(dir, 'shop', 'orders');
  await writeInferred(file, [{ id: 'b', total: 5.5, coupon: 'X' }], target);
  const v2 = await loadResourceCodec(dir, 'shop', 'orders');
  return { dir, file, v1, v2 };
}

test('single-object encoding: marker C3 01, the CRC-64-AVRO fingerprint, the body; an independent decoder agrees', async () => {
  const { dir, v1, v2 } = await twoVersions();
  assert.notEqual(v1.fingerprint, v2.fingerprint);
  const bytes = v1.encode({ id: 'a', total: 5, placed_at: 1_704_067_200_000, ...envelope });
  assert.deepEqual([...bytes.subarray(0, 2)], [0xc3, 0x01]);
  assert.equal(bytes.readBigUInt64LE(2), v1.fingerprint);
  const independent = new IndependentDecoder(dir);
  assert.deepEqual(
    { ...independent.decode(bytes).value },
    { id: 'a', total: 5, placed_at: 1_704_067_200_000, ...envelope },
  );
  assert.match(independent.decode(bytes).file, /orders\.v1\.avsc$/);
  assert.match(
    independent.decode(v2.encode({ id: 'b', total: 5.5, placed_at: null, coupon: 'X', ...envelope })).file,
    /orders\.avsc$/,
  );
});

test('the decoder knows every version: messages written with v1 and v2 both decode', async () => {
  const { dir, v1, v2 } = await twoVersions();
  const history = await loadSchemaHistory(dir, 'shop', 'orders');
  assert.deepEqual(
    history.map((h) => h.version),
    [1],
  );
  const decoder = new SchemaDecoder([v2, ...history]);
  const old = decoder.decode(v1.encode({ id: 'a', total: 5, placed_at: null, ...envelope }));
  assert.equal(old.codec.version, 1);
  assert.equal(old.value.total, 5);
  assert.equal('coupon' in old.value, false);
  const now = decoder.decode(v2.encode({ id: 'b', total: 5.5, placed_at: null, coupon: 'X', ...envelope }));
  assert.equal(now.codec.version, 2);
  assert.equal(now.value.coupon, 'X');
});

test('a running decoder picks up a schema version written after it started', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamtap-wire-'));
  const file = join(dir, 'shop', 'orders.avsc');
  await writeInferred(file, [{ id: 'a', total: 5 }], target);
  const v1 = await loadResourceCodec(dir, 'shop', 'orders');
  const decoder = new SchemaDecoder([v1], { schemasDir: dir, source: 'shop' });
  await writeInferred(file, [{ id: 'b', total: 5, coupon: 'X' }], target);
  const v2 = await loadResourceCodec(dir, 'shop', 'orders');
  const message = v2.encode({ id: 'b', total: 5, coupon: 'X', ...envelope });
  assert.throws(() => decoder.decode(message), /unknown schema fingerprint/);
  await decoder.resolve([message]);
  assert.equal(decoder.decode(message).value.coupon, 'X');
  assert.equal(decoder.writerOf(message)?.version, 2);
});

test('Confluent wire format: magic byte 0, big-endian schema id, body; the decoder fetches the schema by id', async () => {
  const { v1 } = await twoVersions();
  const registered: string[] = [];
  const fake: SchemaRegistry = {
    url: 'http://fake',
    register: async (subject) => (registered.push(subject), 258),
    schemaById: async (id) => {
      assert.equal(id, 258);
      return v1.schema;
    },
  };
  const codec = await withWireFormat(v1, 'shop.orders', fake);
  assert.deepEqual(registered, ['shop.orders-value']);
  const bytes = codec.encode({ id: 'a', total: 5, placed_at: null, ...envelope });
  assert.deepEqual([...bytes.subarray(0, 5)], [0, 0, 0, 1, 2]);
  assert.deepEqual(
    bytes.subarray(5),
    confluentEncoder(v1.type, 9)({ id: 'a', total: 5, placed_at: null, ...envelope }).subarray(5),
  );
  const decoder = new SchemaDecoder([v1], { registry: fake });
  await decoder.resolve([bytes]);
  const { codec: writer, value } = decoder.decode(bytes);
  assert.equal(writer, v1, 'the same schema as a file: one writer');
  assert.equal(value.id, 'a');
  const without = new SchemaDecoder([v1], { registry: null });
  await without.resolve([bytes]);
  assert.throws(() => without.decode(bytes), /unknown schema registry id 258 \(SCHEMA_REGISTRY_URL is not set\)/);
});

test('schema drift: unknown fields and mistyped values are kept in _extra, counted by path, reported with a hint', async () => {
  const { v2 } = await twoVersions();
  schemaDrift.reset();
  const shaped = v2.shape({ id: 'c', total: 'lots', coupon: 'Y', gift: { note: 'hi' }, lines: [{ sku: 1 }] });
  assert.equal(shaped.value.total, null);
  assert.deepEqual(shaped.extra, { total: 'lots', gift: { note: 'hi' }, lines: [{ sku: 1 }] });
  v2.shape({ id: 'd', gift: { note: 'again' } });
  v2.shape({ id: 'e', total: 1 });
  const count = schemaDrift.get('shop', 'orders');
  assert.equal(count?.records, 2);
  assert.deepEqual(Object.fromEntries(count?.paths ?? []), { total: 1, gift: 2, lines: 1 });
  const report = driftReport(count as DriftCount, v2.file);
  assert.match(
    report.message,
    /^2 shop\.orders records carried fields that .*orders\.avsc does not know, or values that did not fit their type; they are kept in _extra\. Run `streamtap schema infer <config> --resource orders`/,
  );
  assert.deepEqual(report.paths, { gift: 2, total: 1, lines: 1 });
});

test('schema drift: a value that does not fit a hinted column is not sent to schema infer, which cannot change a hint', () => {
  const count: DriftCount = {
    source: 'shop',
    resource: 'orders',
    records: 3,
    paths: new Map([
      ['total', 2],
      ['Created-At', 1],
    ]),
    discarded: new Map(),
  };
  // `Created-At` is the API's name of the hinted column created_at (dlt's snake_case).
  const onlyHinted = driftReport(count, 'orders.avsc', 3, new Set(['total', 'created_at']));
  assert.doesNotMatch(onlyHinted.message, /schema infer <config>/);
  assert.match(
    onlyHinted.message,
    /Created-At, total have a `columns` hint in the config, which `schema infer` does not override: change the hint's data_type, or fix those values at the source\./,
  );
  const mixed = driftReport(count, 'orders.avsc', 3, new Set(['total']));
  assert.match(
    mixed.message,
    /Run `streamtap schema infer <config> --resource orders` to widen the schema\. total has a `columns` hint/,
  );
});

test('registry client: registers once per schema, explains a refused schema, marks an unreachable registry retriable', async () => {
  let posts = 0;
  const server = await startServer((req, res, url) => {
    if (url.pathname === '/subjects/shop.orders-value/versions' && req.method === 'POST') {
      posts++;
      if (req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`)
        return sendJson(res, 401, { error_code: 401, message: 'who?' });
      return sendJson(res, 200, { id: 3 });
    }
    if (url.pathname === '/subjects/shop.bad-value/versions')
      return sendJson(res, 409, { error_code: 409, message: 'Schema being registered is incompatible' });
    return sendJson(res, 404, { error_code: 40403, message: 'Schema not found' });
  });
  servers.push(server);
  const client = new SchemaRegistryClient(server.url.replace('http://', 'http://u:p@'));
  assert.equal(client.url, server.url);
  assert.equal(await client.register('shop.orders-value', { type: 'string' }), 3);
  assert.equal(await client.register('shop.orders-value', { type: 'string' }), 3);
  assert.equal(posts, 1);
  await assert.rejects(client.register('shop.bad-value', { type: 'string' }), (e: SchemaRegistryError) => {
    assert.equal(e.status, 409);
    assert.equal(e.retriable, false);
    assert.match(
      e.message,
      /answered 409 \(error 409\): Schema being registered is incompatible \(the registry refused the schema as incompatible/,
    );
    return true;
  });
  await assert.rejects(client.schemaById(99), (e: SchemaRegistryError) => e.status === 404 && !e.retriable);
  const down = new SchemaRegistryClient('http://127.0.0.1:9', undefined, 2_000);
  await assert.rejects(
    down.schemaById(1),
    (e: SchemaRegistryError) => e.retriable && e.status === 0 && /unreachable/.test(e.message),
  );
});
