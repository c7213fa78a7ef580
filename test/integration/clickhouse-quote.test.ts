// The quoting functions against the real engine: a table and column named with hostile text can be
// created, written and read back under exactly that name, and a hostile string literal reads back as
// exactly the text it was made from.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { quoteIdentifier, sqlString } from '../../src/clickhouse/quote.js';
import { closeSharedClickHouse, queryRows, sharedClickHouse } from '../support/pipeline.js';

after(closeSharedClickHouse);

const HOSTILE = [
  'plain',
  "it's",
  'back`tick',
  '``',
  'back\\slash',
  'ends in backslash\\',
  "\\'",
  '\\`',
  'nul\0byte',
  'line one\nline two\r\n\ttabbed',
  'é ü 中文 😀 \u2028 end',
  "'); DROP TABLE x; --",
  '`; DROP TABLE x; --',
];

test('a hostile string literal reads back as exactly its text', async () => {
  const ch = await sharedClickHouse();
  for (const text of HOSTILE) {
    const [row] = await queryRows<{ s: string }>(ch, `SELECT ${sqlString(text)} AS s`);
    assert.equal(row?.s, text, JSON.stringify(text));
  }
});

test('a table with a hostile name and hostile column names takes rows and system.columns names them exactly', async () => {
  const ch = await sharedClickHouse();
  const database = `quote_test_${process.pid}`;
  const table = `t${Date.now()} it's \`q\` \\ é`;
  const name = `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
  const columns = HOSTILE.map((text, i) => `${text}_${i}`);
  await ch.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}` });
  await ch.command({
    query:
      `CREATE TABLE ${name} (${columns.map((c) => `${quoteIdentifier(c)} String`).join(', ')}) ` +
      `ENGINE = MergeTree ORDER BY tuple()`,
  });
  try {
    await ch.command({ query: `INSERT INTO ${name} VALUES (${HOSTILE.map(sqlString).join(', ')})` });
    const described = await queryRows<{ name: string }>(
      ch,
      `SELECT name FROM system.columns WHERE database = ${sqlString(database)} AND table = ${sqlString(table)} ORDER BY position`,
    );
    assert.deepEqual(
      described.map((c) => c.name),
      columns,
    );
    for (const [i, column] of columns.entries()) {
      const [row] = await queryRows<{ v: string }>(ch, `SELECT ${quoteIdentifier(column)} AS v FROM ${name}`);
      assert.equal(row?.v, HOSTILE[i], JSON.stringify(column));
    }
  } finally {
    await ch.command({ query: `DROP TABLE IF EXISTS ${name}` });
  }
});
