// dlt's `columns` hints for the types inference never produces (json, decimal, wei, date, time, binary),
// end to end on the real broker and the real ClickHouse engine, the REST API mocked by a local HTTP server:
// the schema file has the hinted Avro types, the table the ClickHouse types of src/avro/dlt-types.ts, every
// value lands exactly (read back as text), a subscriber decodes the same values from the topic, and a value
// that does not fit its hinted type is drift the contract decides (here the default: kept in `_extra`).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import { decimalText } from '../../src/avro/logical-values.js';
import { writeInferred } from '../../src/cli/schema-infer.js';
import { parseSourceConfig } from '../../src/config/load.js';
import { consume } from '../../src/consumers/consume.js';
import { produce } from '../../src/producers/produce.js';
import { IndependentDecoder } from '../support/independent-decoder.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { closeSharedClickHouse, queryRows, sharedClickHouse, testKafka, testLogger } from '../support/pipeline.js';
import { readTopic } from '../support/topic-reader.js';

const WEI_MAX = '9'.repeat(76);
const RECORDS = [
  {
    id: 'a',
    price: '12345678.90',
    amount: '-0.000000001',
    balance: WEI_MAX,
    born: '1900-01-01',
    opens: '23:59:59.999999',
    blob: 'AAEC/w==',
    doc: { nested: [1, 'two', null], big: 9007199254740993n },
  },
  {
    id: 'b',
    price: 0.1,
    amount: 42,
    balance: '-' + WEI_MAX,
    born: '2299-12-31',
    opens: '00:00:00',
    blob: '',
    doc: 'just text',
  },
  // Nothing here fits its hinted type: each value is kept in _extra (the default contract), never rounded.
  { id: 'c', price: '1.234', amount: 'x', balance: '1' + WEI_MAX, born: '2024-02-30', opens: '7pm', blob: 'no!' },
];

let server: TestServer;
let ch: ClickHouseClient;
before(async () => {
  // The body as text: 9007199254740993 must reach the producer as the API wrote it.
  server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(RECORDS, (_k, v: unknown) => (typeof v === 'bigint' ? `@@${v}@@` : v)).replace(
        /"@@(\d+)@@"/g,
        '$1',
      ),
    );
  });
  ch = await sharedClickHouse();
});
after(async () => {
  await server.close();
  await closeSharedClickHouse();
});

const name = `hints_${randomBytes(4).toString('hex')}`;
const schemasDir = mkdtempSync(join(tmpdir(), 'streamtap-hints-'));
const kafka = testKafka();
const COLUMNS = {
  price: { data_type: 'decimal', precision: 10, scale: 2 },
  amount: { data_type: 'decimal' },
  balance: { data_type: 'wei' },
  born: { data_type: 'date' },
  opens: { data_type: 'time' },
  blob: { data_type: 'binary' },
  doc: { data_type: 'json' },
} as const;
const source = () =>
  parseSourceConfig(
    {
      client: { base_url: server.url },
      resources: [
        {
          name: 'things',
          primary_key: 'id',
          write_disposition: 'merge',
          columns: COLUMNS,
          endpoint: { path: '/things' },
        },
      ],
    },
    { name, origin: 'test', env: {} },
  );

test('each hinted type: the Avro type in the schema file, the ClickHouse column, and exact values end to end', async () => {
  await writeInferred(join(schemasDir, name, 'things.avsc'), RECORDS.slice(0, 2), {
    source: name,
    resource: 'things',
    primaryKey: ['id'],
    columns: source().resources[0]!.columns,
  });
  const schema = JSON.parse(readFileSync(join(schemasDir, name, 'things.avsc'), 'utf8')) as {
    fields: { name: string; type: unknown }[];
  };
  const typeOf = (field: string) => schema.fields.find((f) => f.name === field)?.type;
  assert.deepEqual(typeOf('price'), ['null', { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 }]);
  assert.deepEqual(typeOf('balance'), ['null', { type: 'bytes', logicalType: 'decimal', precision: 76, scale: 0 }]);
  assert.deepEqual(typeOf('born'), ['null', { type: 'int', logicalType: 'date' }]);
  assert.deepEqual(typeOf('opens'), ['null', { type: 'long', logicalType: 'time-micros' }]);
  assert.deepEqual(typeOf('blob'), ['null', 'bytes']);
  assert.deepEqual(typeOf('doc'), ['null', { type: 'string', logicalType: 'json' }]);

  const report = await produce({ source: source(), kafka, schemasDir, secrets: { env: {} }, logger: testLogger() });
  assert.equal(report.ok, true, JSON.stringify(report.resources));
  await consume({ source: source(), kafka, clickhouse: ch, schemasDir, logger: testLogger(), until: 'caught-up' });

  const columns = await queryRows<{ name: string; type: string }>(
    ch,
    `SELECT name, type FROM system.columns WHERE database = '${name}' AND table = 'things'`,
  );
  const types = Object.fromEntries(columns.map((c) => [c.name, c.type]));
  assert.deepEqual(
    [types.price, types.amount, types.balance, types.born, types.opens, types.blob, types.doc],
    [
      'Nullable(Decimal(10, 2))',
      'Nullable(Decimal(38, 9))',
      'Nullable(Decimal(76, 0))',
      'Nullable(Date32)',
      'Nullable(String)',
      'Nullable(String)',
      'Nullable(String)',
    ],
  );
  const rows = await queryRows<Record<string, string | null>>(
    ch,
    `SELECT id, toString(price) AS price, toString(amount) AS amount, toString(balance) AS balance,
            toString(born) AS born, opens, blob, doc, _extra
     FROM ${name}.things FINAL ORDER BY id`,
  );
  assert.deepEqual(rows, [
    {
      id: 'a',
      price: '12345678.9',
      amount: '-0.000000001',
      balance: WEI_MAX,
      born: '1900-01-01',
      opens: '23:59:59.999999',
      blob: 'AAEC/w==',
      doc: '{"nested":[1,"two",null],"big":9007199254740993}',
      _extra: null,
    },
    {
      id: 'b',
      price: '0.1',
      amount: '42',
      balance: '-' + WEI_MAX,
      born: '2299-12-31',
      opens: '00:00:00.000000',
      blob: '',
      doc: '"just text"',
      _extra: null,
    },
    {
      id: 'c',
      price: null,
      amount: null,
      balance: null,
      born: null,
      opens: null,
      blob: null,
      doc: null,
      _extra: JSON.stringify({
        price: '1.234',
        amount: 'x',
        balance: '1' + WEI_MAX,
        born: '2024-02-30',
        opens: '7pm',
        blob: 'no!',
      }),
    },
  ]);
  // ClickHouse holds the exact decimals (toString drops trailing zeros); as a Decimal they compare exactly.
  const [sum] = await queryRows<{ s: string }>(ch, `SELECT toString(sum(price)) AS s FROM ${name}.things FINAL`);
  assert.equal(sum?.s, '12345679');

  // A subscriber decodes the standard Avro types from the topic alone.
  const decoder = new IndependentDecoder(schemasDir);
  const values = new Map(
    (await readTopic(kafka, `${name}.things`)).map((m) => {
      const v = decoder.decode(m.value as Buffer).value;
      return [v.id, v];
    }),
  );
  const a = values.get('a') as Record<string, unknown>;
  assert.equal(decimalText(a.price as Buffer, 2), '12345678.90');
  assert.equal(a.born, -25_567);
  assert.equal(a.opens, 86_399_999_999);
  assert.deepEqual([...(a.blob as Buffer)], [0, 1, 2, 255]);
});
