// The consumer's byte path (src/consumers/byte-lane.ts): records go to the embedded engine as their Avro
// bytes in one object container per chunk, and the table ends up with exactly the rows the decoding path
// writes for the same messages. Real broker, real engine; the decoding path is the same client with the
// engine's Avro insert taken away.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseError, type ClickHouseClient } from '@clickhouse/client';
import type { Message } from 'kafkajs';
import { ENVELOPE_FIELDS } from '../../src/avro/envelope.js';
import { loadResourceCodec, type AvroRecordSchema } from '../../src/avro/schema-store.js';
import {
  embeddedRawInsert,
  type AvroInserter,
  type EmbeddedClickHouseClient,
  type RawInsert,
} from '../../src/clickhouse/embedded-insert.js';
import { parseSourceConfig } from '../../src/config/load.js';
import { consume, type ConsumeReport } from '../../src/consumers/consume.js';
import { namedTypes } from '../../src/consumers/table-schema.js';
import { topicName } from '../../src/contracts/topics.js';
import { parseExact } from '../../src/json/exact-json.js';
import { ensureTopics, producerConfig } from '../../src/kafka/client.js';
import { closeSharedClickHouse, queryRows, sharedClickHouse, testKafka, testLogger } from '../support/pipeline.js';

after(closeSharedClickHouse);

const n = <T>(type: T) => ['null', type];
const ts = { type: 'long', logicalType: 'timestamp-millis' };
const schema: AvroRecordSchema = {
  type: 'record',
  name: 'Items',
  namespace: 'streamtap.bytes',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'text', type: n('string') },
    { name: 'author_id', type: n('long') },
    { name: 'small', type: n('int') },
    { name: 'ratio', type: n('double') },
    { name: 'ok', type: n('boolean') },
    { name: 'at', type: n(ts) },
    { name: 'state', type: n({ type: 'enum', name: 'State', symbols: ['open', 'closed'] }) },
    {
      name: 'owner',
      type: n({
        type: 'record',
        name: 'Owner',
        fields: [
          { name: 'email', type: n('string') },
          { name: 'rank', type: n('long') },
          { name: 'since', type: n(ts) },
        ],
      }),
    },
    {
      name: 'attendees',
      type: n({
        type: 'array',
        items: { type: 'record', name: 'Attendee', fields: [{ name: 'name', type: n('string') }] },
      }),
    },
    { name: 'counts', type: n({ type: 'array', items: n('long') }) },
    { name: 'meta', type: n({ type: 'map', values: n('string') }) },
    ...(ENVELOPE_FIELDS as unknown as AvroRecordSchema['fields']),
  ],
};

// test/fixtures/int64-ids: the two real posts whose ids differ only beyond 2^53, their author beyond 2^53,
// and the edges exact-values.test.ts serves (±2^53±1, ±2^62, int64's minimum and maximum).
const INT64_EDGES = [
  1790012345678901233n,
  1790012345678901234n,
  9007199254740993n,
  -9007199254740993n,
  2n ** 62n,
  -(2n ** 62n),
  -(2n ** 63n),
  2n ** 63n - 1n,
];
const TEXTS = ['quote " and \\ backslash', 'line one\nline two\r\n\ttabbed', 'é ü 中文 😀 \u2028 end', "it's", ''];

function exact(v: bigint): number | bigint {
  return Number.isSafeInteger(Number(v)) ? Number(v) : v;
}

/** Varied records: every value kind, nulls at every level (the null fixtures' shapes), int64 edges as keys. */
function records(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const ids = [...INT64_EDGES, ...Array.from({ length: 300 }, (_, i) => BigInt(i + 1))];
  for (const [i, id] of ids.entries()) {
    const nulls = i % 4 === 1;
    out.push({
      id: exact(id),
      text: nulls ? null : TEXTS[i % TEXTS.length],
      author_id: nulls ? null : exact(INT64_EDGES[i % INT64_EDGES.length] as bigint),
      small: nulls ? null : i % 2 ? -2147483648 : 2147483647,
      ratio: nulls ? null : i / 7,
      ok: nulls ? null : i % 3 === 0,
      at: nulls ? null : Date.UTC(2026, 0, 2, 3, 4, 5, i % 1000) - i * 86_400_000,
      state: nulls ? null : i % 2 ? 'open' : 'closed',
      owner: nulls
        ? null
        : {
            email: i % 3 ? `o${i}@example.com` : null,
            rank: i % 5 ? exact(-(2n ** 63n)) : null,
            since: i % 2 ? 0 : null,
          },
      attendees: nulls ? null : i % 5 === 0 ? [] : [{ name: `a${i}` }, { name: null }],
      counts: nulls ? null : [i, null, exact(2n ** 63n - 1n)],
      meta: nulls ? null : i % 6 === 0 ? {} : { k: `v\n${i}`, empty: null },
      _extra: i % 7 === 0 ? JSON.stringify({ unknown: i }) : null,
      _extracted_at: Date.UTC(2026, 0, 3),
      _run_id: 'run',
      _version: 1000 + i,
    });
  }
  // Timestamps beyond DateTime64's range (1900–2299): the decoding path's text is clamped or refused, so
  // these take it on the byte path too. Year 33658 is refused (a dead letter on both paths).
  out.push({ ...(out[30] as Record<string, unknown>), id: 999_997, at: Date.UTC(1653, 0, 1), _version: 7000 });
  out.push({ ...(out[30] as Record<string, unknown>), id: 999_998, at: Date.UTC(2500, 0, 1), _version: 7001 });
  out.push({ ...(out[30] as Record<string, unknown>), id: 999_999, at: 1e15, _version: 7002 });
  // A key seen twice in one chunk: only the later version may be stored.
  out.push({ ...(out[20] as Record<string, unknown>), text: 'newer', _version: 5000 });
  return out;
}

/** A source with one resource (`items` by default), its schema file written where the consumer looks for it. */
function itemsSource(schemasDir: string, name: string, resource = 'items', avsc: AvroRecordSchema = schema) {
  mkdirSync(join(schemasDir, name), { recursive: true });
  writeFileSync(join(schemasDir, name, `${resource}.avsc`), JSON.stringify(avsc));
  const raw = {
    client: { base_url: 'http://127.0.0.1:9/' },
    resources: [{ name: resource, primary_key: 'id', endpoint: { path: `/${resource}` } }],
  };
  return parseSourceConfig(raw, { name, origin: 'test', env: {} });
}

/**
 * The shared client with its inserts counted; `bytes: false` takes the engine's Avro insert away;
 * `rejectAvro`: that many Avro inserts fail first as the engine fails a block it cannot read.
 */
function countingClient(
  ch: ClickHouseClient,
  bytes: boolean,
  rejectAvro = 0,
): { client: ClickHouseClient; calls: { json: number; avro: number; jsonIds: Set<string> } } {
  const raw = embeddedRawInsert(ch);
  assert.ok(raw?.avro, 'the embedded engine has an Avro insert');
  const avro = raw.avro;
  const calls = { json: 0, avro: 0, jsonIds: new Set<string>() };
  const rawInsert = Object.assign(
    (params: RawInsert) => {
      calls.json++;
      // JSONCompactEachRow lines: the ids that took the decoding path.
      const at = params.columns.indexOf('id');
      assert.ok(at >= 0, 'the insert has the key column');
      for (const line of params.body.toString('utf8').split('\n').filter(Boolean))
        calls.jsonIds.add(String((parseExact(line) as unknown[])[at]));
      return raw(params);
    },
    {
      avro: bytes
        ? (((params) => {
            calls.avro++;
            if (calls.avro <= rejectAvro)
              return Promise.reject(parseError('Code: 748. DB::Exception: a block the test rejects. (AVRO_EXCEPTION)'));
            return avro(params);
          }) satisfies AvroInserter)
        : undefined,
    },
  );
  const client = new Proxy(ch, {
    get(target, prop, receiver) {
      if (prop === 'rawInsert') return rawInsert;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as EmbeddedClickHouseClient;
  return { client, calls };
}

async function produceAndConsume(
  name: string,
  schemasDir: string,
  client: ClickHouseClient,
  messages: readonly Message[],
  resource = 'items',
  avsc: AvroRecordSchema = schema,
): Promise<ConsumeReport> {
  const source = itemsSource(schemasDir, name, resource, avsc);
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic: topicName(name, resource), partitions: 1 }]);
  await admin.disconnect();
  const producer = kafka.producer(producerConfig());
  await producer.connect();
  await producer.send({ topic: topicName(name, resource), messages: [...messages], acks: -1 });
  await producer.disconnect();
  return consume({ source, kafka, clickhouse: client, schemasDir, logger: testLogger(), until: 'caught-up' });
}

async function tableRows(ch: ClickHouseClient, db: string, table = 'items'): Promise<string> {
  const rs = await ch.query({
    query: `SELECT * FROM ${db}.${table} ORDER BY id, _version`,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  return rs.text();
}

test(
  'the byte path is the one used, and it stores the same rows as the decoding path for the same messages',
  { skip: process.env.CLICKHOUSE_URL ? 'the byte path serves the embedded engine only' : false },
  async () => {
    const ch = await sharedClickHouse();
    const schemasDir = mkdtempSync(join(tmpdir(), 'streamtap-schemas-'));
    const suffix = randomBytes(4).toString('hex');
    const codec = await loadResourceCodec(schemasDir, itemsSource(schemasDir, `bytes_${suffix}`).name, 'items');
    const messages = records().map((r) => ({ key: String(r.id), value: codec.encode(r) }));

    const bytes = countingClient(ch, true);
    const byteReport = await produceAndConsume(`bytes_${suffix}`, schemasDir, bytes.client, messages);
    const decoded = countingClient(ch, false);
    const decodedReport = await produceAndConsume(`decoded_${suffix}`, schemasDir, decoded.client, messages);

    assert.ok(bytes.calls.avro > 0, 'the byte path inserted Avro containers');
    assert.deepEqual(
      [...bytes.calls.jsonIds].sort(),
      ['999997', '999998', '999999'],
      'only the out-of-range timestamps took the decoding path',
    );
    assert.equal(decoded.calls.avro, 0);
    assert.ok(decoded.calls.json > 0, 'the decoding path inserted JSON lines');
    for (const report of [byteReport, decodedReport]) {
      assert.equal(report.tables[0]?.records, messages.length);
      assert.equal(
        report.tables[0]?.rows,
        messages.length - 2,
        'the older version of the repeated key is not inserted',
      );
      assert.equal(report.tables[0]?.deadLetters, 1, 'year 33658 is refused');
    }
    const viaBytes = await tableRows(ch, `bytes_${suffix}`);
    const viaDecoding = await tableRows(ch, `decoded_${suffix}`);
    assert.equal(viaBytes.split('\n').filter(Boolean).length, messages.length - 2);
    assert.equal(viaBytes, viaDecoding);
    // int64 beyond 2^53, exactly, as key and as value.
    const [edge] = await queryRows<{ key: string; author: string | null; rank: string | null }>(
      ch,
      `SELECT toString(id) AS key, toString(author_id) AS author, toString(owner.rank) AS rank FROM bytes_${suffix}.items WHERE id = -9223372036854775808`,
    );
    assert.deepEqual(edge, {
      key: '-9223372036854775808',
      author: '-9223372036854775808',
      rank: '-9223372036854775808',
    });
    // Nulls kept apart on the byte path too (docs/schemas.md, "Nulls and emptiness"): a null record is NULL,
    // a null list or map [] / {} with its marker true; an empty list (id 13) [] with its marker false.
    const nulls = await queryRows<Record<string, unknown>>(
      ch,
      `SELECT id, owner, attendees, attendees__null, counts__null, meta, meta__null FROM bytes_${suffix}.items ` +
        `WHERE id IN (2, 13) ORDER BY id`,
    );
    assert.deepEqual(nulls, [
      { id: '2', owner: null, attendees: [], attendees__null: true, counts__null: true, meta: {}, meta__null: true },
      {
        id: '13',
        owner: { email: 'o20@example.com', rank: null, since: null },
        attendees: [],
        attendees__null: false,
        counts__null: false,
        meta: { k: 'v\n20', empty: null },
        meta__null: false,
      },
    ]);
  },
);

// ---------------------------------------------------------------------------------------------
// The seed's schemas: null markers inside records, arrays of records and records inside records.

type AvroNode = { readonly [key: string]: unknown };

/** A deterministic, well-mixed number per text (FNV-1a, then murmur3's finaliser): states drawn from it are independent. */
function pathHash(text: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A value of Avro `type` for row `i`. Every `["null", T]` at `path` is null in about a third of the rows,
 * and every list has no, one or two items, each drawn from a hash of (path, row), so that the states of
 * a parent and of its children vary independently: within a few dozen rows every nesting level holds a
 * null, an empty and a present value under parents in each state (a record of nulls included).
 */
function sample(type: unknown, named: ReadonlyMap<string, AvroNode>, i: number, path: string): unknown {
  const h = pathHash(`${path}#${i}`);
  if (Array.isArray(type)) {
    const branch = type.find((b) => b !== 'null');
    return h % 3 === 0 ? null : sample(branch, named, i, `${path}?`);
  }
  const t = typeof type === 'string' ? (named.get(type) ?? type) : (type as AvroNode);
  if (typeof t === 'string') {
    switch (t) {
      case 'string':
        return TEXTS[(i + h) % TEXTS.length];
      case 'long':
        return ((i * 7919 + h) % 100_000) - 50_000;
      case 'boolean':
        return (i + h) % 2 === 0;
      default:
        throw new Error(`sample: no value for ${t} at ${path}`);
    }
  }
  if (t.logicalType === 'timestamp-millis') return Date.UTC(2026, 0, 1) + ((i * 37 + h) % 10_000) * 60_013;
  switch (t.type) {
    case 'record':
      return Object.fromEntries(
        (t.fields as readonly AvroNode[]).map((f) => [f.name, sample(f.type, named, i, `${path}.${String(f.name)}`)]),
      );
    case 'array': {
      const length = h % 3;
      return Array.from({ length }, (_, k) => sample(t.items, named, i, `${path}[${k}]`));
    }
    case 'map': {
      const length = h % 3;
      return Object.fromEntries(
        Array.from({ length }, (_, k) => [`k${k}`, sample(t.values, named, i, `${path}{${k}}`)]),
      );
    }
    default:
      return sample(t.type, named, i, path);
  }
}

/** `count` records of a seed schema, every field sampled, the envelope set, keys unique. */
function seedRecords(avsc: AvroRecordSchema, count: number): Record<string, unknown>[] {
  const named = namedTypes(avsc) as ReadonlyMap<string, AvroNode>;
  return Array.from({ length: count }, (_, i) => {
    const record: Record<string, unknown> = {};
    for (const f of avsc.fields) record[f.name] = sample(f.type, named, i, f.name);
    return {
      ...record,
      id: `${String(avsc.name)}-${i}`,
      _extra: i % 5 === 0 ? JSON.stringify({ unknown: i }) : null,
      _extracted_at: Date.UTC(2026, 0, 3),
      _run_id: 'run',
      _version: 1000 + i,
    };
  });
}

// Counts of each state at each nesting level of the seed tables: the sample above must reach them all,
// or the comparison would not cover them.
const SEED_STATES: Readonly<Record<string, string>> = {
  events: `SELECT
      countIf(scheduler IS NULL) AS record_null,
      countIf(scheduler IS NOT NULL AND scheduler.id IS NULL) AS element_null,
      countIf(scheduler.fields__null) AS nested_list_null,
      countIf(scheduler IS NOT NULL AND NOT scheduler.fields__null AND empty(scheduler.fields)) AS nested_list_empty,
      countIf(notEmpty(scheduler.fields)) AS nested_list_items,
      countIf(attendees__null) AS list_null,
      countIf(NOT attendees__null AND empty(attendees)) AS list_empty,
      sum(arrayCount(a -> a.fields__null, attendees)) AS item_list_null,
      sum(arrayCount(a -> NOT a.fields__null AND empty(a.fields), attendees)) AS item_list_empty,
      sum(arrayCount(a -> notEmpty(a.fields), attendees)) AS item_list_items,
      countIf(metadata__null) AS map_null,
      countIf(NOT metadata__null AND empty(metadata)) AS map_empty,
      countIf(notEmpty(metadata)) AS map_items`,
  timezones: `SELECT
      countIf(metazone IS NULL) AS record_null,
      countIf(metazone.long IS NULL AND metazone IS NOT NULL) AS nested_record_null,
      countIf(metazone.long IS NOT NULL) AS nested_record,
      countIf(metazone.territories__null) AS nested_list_null,
      countIf(metazone IS NOT NULL AND NOT metazone.territories__null AND empty(metazone.territories)) AS nested_list_empty,
      countIf(notEmpty(metazone.territories)) AS nested_list_items,
      countIf(aliases__null) AS list_null,
      countIf(NOT aliases__null AND empty(aliases)) AS list_empty`,
};

for (const resource of ['events', 'timezones'] as const) {
  test(
    `the seed's ${resource} take the byte path, nested null markers included, and store the same rows as the decoding path`,
    { skip: process.env.CLICKHOUSE_URL ? 'the byte path serves the embedded engine only' : false },
    async () => {
      const avsc = JSON.parse(
        readFileSync(join('schemas', 'savvycal', `${resource}.avsc`), 'utf8'),
      ) as AvroRecordSchema;
      const ch = await sharedClickHouse();
      const schemasDir = mkdtempSync(join(tmpdir(), 'streamtap-schemas-'));
      const suffix = randomBytes(4).toString('hex');
      const name = `seedbytes_${suffix}`;
      const codec = await loadResourceCodec(schemasDir, itemsSource(schemasDir, name, resource, avsc).name, resource);
      const messages = seedRecords(avsc, 90).map((r) => ({ key: String(r.id), value: codec.encode(r) }));

      const bytes = countingClient(ch, true);
      const byteReport = await produceAndConsume(name, schemasDir, bytes.client, messages, resource, avsc);
      const decoded = countingClient(ch, false);
      const decodedReport = await produceAndConsume(
        `seeddecoded_${suffix}`,
        schemasDir,
        decoded.client,
        messages,
        resource,
        avsc,
      );

      assert.ok(bytes.calls.avro > 0, 'the byte path inserted Avro containers');
      assert.equal(bytes.calls.json, 0, 'no record took the decoding path');
      assert.equal(decoded.calls.avro, 0);
      for (const report of [byteReport, decodedReport]) {
        assert.equal(report.tables[0]?.rows, messages.length);
        assert.equal(report.tables[0]?.deadLetters, 0);
      }
      const states = await queryRows<Record<string, string>>(ch, `${SEED_STATES[resource]} FROM ${name}.${resource}`);
      for (const [state, count] of Object.entries(states[0] ?? {}))
        assert.ok(Number(count) > 0, `the sample holds ${state} (${resource})`);
      const viaBytes = await tableRows(ch, name, resource);
      assert.equal(viaBytes.split('\n').filter(Boolean).length, messages.length);
      assert.equal(viaBytes, await tableRows(ch, `seeddecoded_${suffix}`, resource));
    },
  );
}

test(
  "an Avro block of the seed's events that the engine rejects is decoded after all, into the same rows",
  { skip: process.env.CLICKHOUSE_URL ? 'the byte path serves the embedded engine only' : false },
  async () => {
    const avsc = JSON.parse(readFileSync(join('schemas', 'savvycal', 'events.avsc'), 'utf8')) as AvroRecordSchema;
    const ch = await sharedClickHouse();
    const schemasDir = mkdtempSync(join(tmpdir(), 'streamtap-schemas-'));
    const suffix = randomBytes(4).toString('hex');
    const name = `rejectbytes_${suffix}`;
    const codec = await loadResourceCodec(schemasDir, itemsSource(schemasDir, name, 'events', avsc).name, 'events');
    const messages = seedRecords(avsc, 40).map((r) => ({ key: String(r.id), value: codec.encode(r) }));

    const rejecting = countingClient(ch, true, 1);
    const report = await produceAndConsume(name, schemasDir, rejecting.client, messages, 'events', avsc);
    const decoded = countingClient(ch, false);
    await produceAndConsume(`rejectdecoded_${suffix}`, schemasDir, decoded.client, messages, 'events', avsc);

    assert.equal(rejecting.calls.avro, 1, 'one Avro block, rejected');
    assert.equal(rejecting.calls.jsonIds.size, messages.length, 'every record of it decoded after all');
    assert.equal(report.tables[0]?.rows, messages.length);
    assert.equal(report.tables[0]?.deadLetters, 0, 'a rejected block is no poison: its records all load');
    assert.equal(await tableRows(ch, name, 'events'), await tableRows(ch, `rejectdecoded_${suffix}`, 'events'));
  },
);
