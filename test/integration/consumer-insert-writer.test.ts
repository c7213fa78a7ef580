// The sink's insert on the real ClickHouse engine: with the embedded engine it goes through chdb's raw
// insert (a JSONEachRow Buffer), with CLICKHOUSE_URL through @clickhouse/client. Either way: exactly the
// rows, typed columns intact, a token seen before drops the insert, and errors that name their cause.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import type { AvroRecordSchema } from '../../src/avro/schema-store.js';
import { ENVELOPE_FIELDS } from '../../src/avro/envelope.js';
import { embeddedRawInsert } from '../../src/clickhouse/embedded-insert.js';
import { isMissingTable, isRejectedData } from '../../src/consumers/insert-retry.js';
import { ClickHouseSink } from '../../src/consumers/sink.js';
import { compileRowMapper, tableSpec } from '../../src/consumers/table-schema.js';
import { faultyClickHouse } from '../support/consumer-fixtures.js';
import { closeSharedClickHouse, queryRows, sharedClickHouse } from '../support/pipeline.js';

after(closeSharedClickHouse);

const n = <T>(type: T) => ['null', type];
const schema: AvroRecordSchema = {
  type: 'record',
  name: 'Notes',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'text', type: n('string') },
    { name: 'at', type: n({ type: 'long', logicalType: 'timestamp-millis' }) },
    { name: 'tags', type: n({ type: 'array', items: 'string' }) },
    { name: 'meta', type: n({ type: 'map', values: 'string' }) },
    {
      name: 'owner',
      type: n({
        type: 'record',
        name: 'Owner',
        fields: [
          { name: 'email', type: n('string') },
          { name: 'since', type: n({ type: 'long', logicalType: 'timestamp-millis' }) },
        ],
      }),
    },
    ...(ENVELOPE_FIELDS as unknown as AvroRecordSchema['fields']),
  ],
};

const TEXTS = ['quote " and \\ backslash', 'line one\nline two\r\n\ttabbed', 'é ü 中文 😀 \u2028 end', "it's", ''];

function records(from: number, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return {
      id: `n${i}`,
      text: TEXTS[i % TEXTS.length],
      at: Date.UTC(2026, 0, 2, 3, 4, 5, i % 1000),
      tags: i % 2 ? ['a', 'b"c'] : [],
      meta: { key: `v\n${i}` },
      owner: i % 3 ? { email: `o${i}@example.com`, since: Date.UTC(2020, 5, 1) } : null,
      _extra: null,
      _extracted_at: Date.UTC(2026, 0, 3),
      _run_id: 'run',
      _version: i + 1,
    };
  });
}

async function rowCount(ch: ClickHouseClient): Promise<number> {
  const [row] = await queryRows<{ n: string | number }>(ch, 'SELECT count() AS n FROM writer_test.notes');
  return Number(row?.n);
}

interface NoteRow {
  id: string;
  text: string | null;
  at: string | null;
  tags: string[];
  meta: Record<string, string>;
  owner: { email: string | null; since: string | null } | null;
}

test(
  'with the embedded engine the sink writes through chdb raw insert',
  { skip: Boolean(process.env.CLICKHOUSE_URL) },
  async () => {
    assert.ok(embeddedRawInsert(await sharedClickHouse()), 'an embedded client has a raw insert');
  },
);

test('insert: exactly the rows, values intact; the same token again adds nothing, a new one does', async () => {
  const ch = await sharedClickHouse();
  const spec = tableSpec('writer_test', 'notes', schema, ['id'], 'merge');
  const sink = new ClickHouseSink(ch);
  await sink.ensureTable(spec);
  const toRow = compileRowMapper(spec);
  const first = records(0, 2_500).map((r) => sink.encode(toRow(r)));
  await sink.insert(spec, { rows: first, dedupToken: 'notes-0-0-2499-1' });
  await sink.insert(spec, { rows: first, dedupToken: 'notes-0-0-2499-1' });
  assert.equal(await rowCount(ch), 2_500, 'the replay was dropped');

  const got = await queryRows<NoteRow>(
    ch,
    'SELECT id, text, at, tags, meta, owner FROM writer_test.notes ORDER BY _version',
  );
  assert.equal(got.length, 2_500);
  records(0, 2_500).forEach((r, i) => {
    const row = got[i] as NoteRow;
    assert.equal(row.id, r.id);
    assert.equal(row.text, r.text);
    assert.equal(row.at, new Date(r.at as number).toISOString().replace('T', ' ').replace('Z', ''));
    assert.deepEqual(row.tags, r.tags);
    assert.deepEqual(row.meta, r.meta);
    // A null owner is NULL, not a tuple of nulls (docs/schemas.md, the null rule).
    if (r.owner === null) assert.equal(row.owner, null);
    else assert.equal(row.owner?.email, (r.owner as { email: string }).email);
  });

  await sink.insert(spec, {
    rows: records(2_500, 10).map((r) => sink.encode(toRow(r))),
    dedupToken: 'notes-0-2500-2509-1',
  });
  assert.equal(await rowCount(ch), 2_510);
});

test('insert errors: a value the engine cannot parse is rejected data; a missing table is a missing table', async () => {
  const ch = await sharedClickHouse();
  const spec = tableSpec('writer_test', 'strict', schema, ['id'], 'merge');
  const sink = new ClickHouseSink(ch);
  await sink.ensureTable(spec);
  const [good] = records(0, 1).map(compileRowMapper(spec));
  await assert.rejects(
    sink.insert(spec, { rows: [sink.encode({ ...good, at: 'not a time' })], dedupToken: 'strict-bad' }),
    (error: Error & { code?: string }) =>
      isRejectedData(error) && /\d+/.test(String(error.code)) && /DateTime/i.test(error.message),
  );
  await ch.command({ query: 'DROP TABLE writer_test.strict' });
  await assert.rejects(
    sink.insert(spec, { rows: [sink.encode(good as Record<string, unknown>)], dedupToken: 'strict-gone' }),
    (error: Error) => isMissingTable(error),
  );
});

// The path a ClickHouse server gets (CLICKHOUSE_URL), run here on the embedded engine through the client:
// @clickhouse/client's insert serialized rows with JSON.stringify and threw on a bigint, which the
// consumer then retried forever as if ClickHouse were down.
test('through the client (the server path): Int64 beyond 2^53 exact, the token still drops a replay', async () => {
  const inner = await sharedClickHouse();
  const { client } = faultyClickHouse(inner, {});
  const bigSchema: AvroRecordSchema = {
    type: 'record',
    name: 'Big',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'n', type: n('long') },
      { name: 'text', type: n('string') },
      ...(ENVELOPE_FIELDS as unknown as AvroRecordSchema['fields']),
    ],
  };
  const spec = tableSpec('writer_test', 'big', bigSchema, ['id'], 'merge');
  const sink = new ClickHouseSink(client);
  assert.equal(embeddedRawInsert(client), undefined, 'the client path, not the raw insert');
  await sink.ensureTable(spec);
  const toRow = compileRowMapper(spec);
  const values = [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, 42n, null];
  const rows = values.map((v, i) => ({
    id: `b${i}`,
    n: v,
    text: TEXTS[i],
    _extra: null,
    _extracted_at: Date.UTC(2026, 0, 3),
    _run_id: 'run',
    _version: 1,
  }));
  const batch = { rows: rows.map((r) => sink.encode(toRow(r))), dedupToken: 'big-0-0-4-1' };
  await sink.insert(spec, batch);
  await sink.insert(spec, batch);
  const got = await queryRows<{ id: string; n: string | null; text: string | null }>(
    inner,
    'SELECT id, toString(n) AS n, text FROM writer_test.big ORDER BY id',
  );
  assert.deepEqual(
    got,
    rows.map((r) => ({ id: r.id, n: r.n === null ? null : String(r.n), text: r.text ?? null })),
  );
});
