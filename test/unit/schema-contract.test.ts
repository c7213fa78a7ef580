// dlt's schema_contract applied to a record's drift (src/avro/schema-contract.ts): the decision alone, then
// through a codec's `write` on both of its paths (the one-walk writer and shaping + avsc), so the bytes and
// `_extra` of what is published are what the contract says. The rule is dlt's `Schema.apply_schema_contract`
// (dlt/common/schema/schema.py); the end-to-end run is test/integration/schema-contract.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Drift } from '../../src/avro/drift-collector.js';
import { schemaDrift } from '../../src/avro/drift.js';
import {
  ColumnsToAdd,
  compileContract,
  SchemaContractError,
  type ContractMode,
  type SchemaContract,
} from '../../src/avro/schema-contract.js';
import { loadResourceCodec, SchemaDecoder, type ResourceCodec } from '../../src/avro/schema-store.js';
import { mergeSamples } from '../../src/avro/infer.js';
import { writeInferred } from '../../src/cli/schema-infer.js';
import { columnsEvolution } from '../../src/producers/schema-evolution.js';
import { createLogger } from '../../src/log.js';

const all = (mode: ContractMode): SchemaContract => ({ tables: mode, columns: mode, data_type: mode });

function drift(unknown: Record<string, unknown>, mismatched: Record<string, unknown>): Drift {
  const d = new Drift();
  for (const [path, value] of Object.entries(mismatched)) d.mismatch(path, value);
  for (const [path, value] of Object.entries(unknown)) d.unknownField(path, value);
  return d;
}

test('evolve without a way to evolve keeps everything in _extra (the behaviour before contracts)', () => {
  const settle = compileContract(all('evolve'), { file: 'schemas/s/r.avsc' });
  assert.deepEqual(settle(drift({ surprise: 1 }, { total: 'lots' })), {
    extra: { total: 'lots', surprise: 1 },
    discarded: [],
  });
});

test('columns evolve asks for the fields the schema may gain, once per normalized path', () => {
  const tried = new Set(['gift']);
  const settle = compileContract(all('evolve'), { file: 'f', evolvable: (p) => !tried.has(p) });
  assert.throws(
    () => settle(drift({ 'lines[3].sku_note': 'x', gift: 1 }, {})),
    (e: unknown) => e instanceof ColumnsToAdd && e.paths.join() === 'lines[3].sku_note',
  );
  // Only a tried path left: it stays in _extra.
  assert.deepEqual(settle(drift({ gift: 1 }, {})).extra, { gift: 1 });
});

test('freeze refuses a record with an unknown field or a mismatched value, naming the field, the entity and the file', () => {
  const settle = compileContract(all('freeze'), { file: 'schemas/s/r.avsc' });
  assert.throws(
    () => settle(drift({ surprise: 1 }, {})),
    (e: unknown) =>
      e instanceof SchemaContractError &&
      e.entity === 'columns' &&
      e.mode === 'freeze' &&
      e.path === 'surprise' &&
      /schema_contract columns is "freeze" and the record has "surprise", which schemas\/s\/r\.avsc does not know; .*resource stops/.test(
        e.message,
      ),
  );
  assert.throws(
    () => settle(drift({}, { total: 'lots' })),
    (e: unknown) =>
      e instanceof SchemaContractError &&
      e.entity === 'data_type' &&
      /data_type is "freeze" and the value of "total" does not fit its type in schemas\/s\/r\.avsc/.test(e.message),
  );
});

test('discard_row refuses the record with a reason that says it goes to the dead-letter topic', () => {
  const settle = compileContract({ tables: 'evolve', columns: 'evolve', data_type: 'discard_row' }, { file: 'f' });
  assert.throws(
    () => settle(drift({}, { total: 'lots' })),
    (e: unknown) => e instanceof SchemaContractError && e.mode === 'discard_row' && /dead-letter topic/.test(e.message),
  );
  // columns evolve (nothing evolvable): the unknown field alone is kept.
  assert.deepEqual(settle(drift({ surprise: 1 }, {})).extra, { surprise: 1 });
});

test('discard_value drops the values of its entity only, and says which', () => {
  const columns = compileContract({ tables: 'evolve', columns: 'discard_value', data_type: 'evolve' }, { file: 'f' });
  assert.deepEqual(columns(drift({ surprise: 1, 'a.b': 2 }, { total: 'lots' })), {
    extra: { total: 'lots' },
    discarded: ['surprise', 'a.b'],
  });
  const both = compileContract(all('discard_value'), { file: 'f' });
  assert.deepEqual(both(drift({ surprise: 1 }, { total: 'lots' })), {
    extra: null,
    discarded: ['surprise', 'total'],
  });
});

test("dlt's order: freeze before discard_row, columns before data_type", () => {
  const settle = compileContract({ tables: 'evolve', columns: 'discard_row', data_type: 'freeze' }, { file: 'f' });
  assert.throws(
    () => settle(drift({ surprise: 1 }, { total: 'x' })),
    (e: unknown) => e instanceof SchemaContractError && e.mode === 'freeze' && e.entity === 'data_type',
  );
});

async function codec(contract: SchemaContract): Promise<{ dir: string; codec: ResourceCodec }> {
  const dir = mkdtempSync(join(tmpdir(), 'streamtap-contract-'));
  await writeInferred(join(dir, 'shop', 'orders.avsc'), [{ id: 'a', total: 5, lines: [{ sku: 'x' }] }], {
    source: 'shop',
    resource: 'orders',
    primaryKey: ['id'],
  });
  return { dir, codec: await loadResourceCodec(dir, 'shop', 'orders', { contract }) };
}

const envelope = { extractedAt: 1_700_000_000_000, runId: 'r', nextVersion: () => 7 };

test('a codec writes what the contract keeps, on the one-walk path and the generic path alike', async () => {
  const contract: SchemaContract = { tables: 'evolve', columns: 'discard_value', data_type: 'evolve' };
  const { dir, codec: fastCodec } = await codec(contract);
  // A non-null default on a required field is not mirrored by the one-walk writer: shaping + avsc write it.
  const file = join(dir, 'shop', 'orders.avsc');
  const schema = JSON.parse(readFileSync(file, 'utf8')) as { fields: unknown[] };
  schema.fields.splice(1, 0, { name: 'flag', type: 'boolean', default: false });
  writeFileSync(file, JSON.stringify(schema));
  const slowCodec = await loadResourceCodec(dir, 'shop', 'orders', { contract });
  for (const [c, flag] of [
    [fastCodec, {}],
    [slowCodec, { flag: true }],
  ] as const) {
    schemaDrift.reset();
    const record = { id: 'b', ...flag, total: 'lots', surprise: 1, lines: [{ sku: 'y', note: 'n' }] };
    const written = c.write(structuredClone(record), envelope);
    assert.deepEqual(written.extra, { total: 'lots' });
    // In the order the walk meets them: fields in schema order (and inside them), then unknown keys.
    assert.deepEqual(written.discarded, ['lines[0].note', 'surprise']);
    const { value } = new SchemaDecoder([c]).decode(written.bytes);
    assert.equal(value._extra, '{"total":"lots"}');
    assert.equal(value.total, null);
    const count = schemaDrift.get('shop', 'orders');
    assert.deepEqual(Object.fromEntries(count?.discarded ?? []), { surprise: 1, 'lines[].note': 1 });
    assert.deepEqual(Object.fromEntries(count?.paths ?? []), { total: 1 });
  }
});

test('columns evolve: the next schema version holds the new fields, typed by inference, nullable, old version kept', async () => {
  const { dir, codec: v1 } = await codec(all('evolve'));
  const evolution = columnsEvolution({
    schemasDir: dir,
    source: 'shop',
    table: 'orders',
    primaryKey: ['id'],
    topic: 'shop.orders',
    contract: all('evolve'),
    registry: null,
    logger: createLogger('silent'),
  });
  const c = await loadResourceCodec(dir, 'shop', 'orders', { contract: all('evolve'), evolvable: evolution.evolvable });
  const record = { id: 'b', total: 6, coupon_code: 'X1', lines: [{ sku: 'y', qty: 2 }] };
  let paths: readonly string[] = [];
  assert.throws(
    () => c.write(structuredClone(record), envelope),
    (e: unknown) => e instanceof ColumnsToAdd && (paths = e.paths).length === 2,
  );
  const v2 = await evolution.evolve(record, c, paths);
  assert.equal(v2.version, 2);
  assert.deepEqual(readdirSync(join(dir, 'shop')).sort(), ['orders.avsc', 'orders.v1.avsc']);
  const fields = (v2.schema.fields as { name: string; type: unknown; default?: unknown }[]).map((f) => f.name);
  assert.deepEqual(fields.slice(0, 4), ['id', 'total', 'lines', 'coupon_code']);
  const coupon = v2.schema.fields.find((f) => f.name === 'coupon_code');
  assert.deepEqual(coupon, { name: 'coupon_code', type: ['null', 'string'], default: null });
  const written = v2.write(structuredClone(record), envelope);
  assert.equal(written.extra, null);
  const value = new SchemaDecoder([v1, v2]).decode(written.bytes).value as Record<string, unknown>;
  assert.equal(value.coupon_code, 'X1');
  assert.deepEqual(JSON.parse(JSON.stringify(value.lines)), [{ sku: 'y', qty: 2 }]);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'shop', 'orders.v1.avsc'), 'utf8')), v1.schema);
  // A path tried once is not tried again: a field the schema could not gain stays in _extra.
  assert.equal(evolution.evolvable('coupon_code'), false);
});

test('schema infer widens; the producer evolving columns only adds (mergeSamples widen: false)', () => {
  const schema = mergeSamples(undefined, [{ id: 'a', total: 5 }], {
    name: 'orders',
    namespace: 'streamtap.shop',
    primaryKey: ['id'],
  }).schema;
  const added = mergeSamples(schema, [{ id: 'b', total: 'lots', extra_field: true }], {
    name: 'orders',
    namespace: 'streamtap.shop',
    primaryKey: ['id'],
    widen: false,
  });
  assert.deepEqual(
    added.changes.map((c) => `${c.kind} ${c.path} ${c.to}`),
    ['added extra_field null | boolean'],
  );
});
