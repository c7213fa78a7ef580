// The one identifier quoting and the one string literal: hostile text stays inside its quotes, and every
// character ClickHouse would read as an escape is escaped (the round trip through the real engine is in
// test/integration/clickhouse-quote.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quoteIdentifier, sqlString } from '../../src/clickhouse/quote.js';

test('plain names and text come out as before: only the quotes are added', () => {
  assert.equal(quoteIdentifier('events'), '`events`');
  assert.equal(quoteIdentifier('_is_deleted'), '`_is_deleted`');
  assert.equal(sqlString('run-2026-11-30'), "'run-2026-11-30'");
  assert.equal(
    sqlString('/clickhouse/tables/{shard}/{database}/{table}'),
    "'/clickhouse/tables/{shard}/{database}/{table}'",
  );
  assert.equal(sqlString(''), "''");
  assert.equal(quoteIdentifier(''), '``');
});

test('an identifier escapes its backtick and backslash; the other quote stays as it is', () => {
  assert.equal(quoteIdentifier('a`b'), '`a\\`b`');
  assert.equal(quoteIdentifier('a\\b'), '`a\\\\b`');
  // A trailing backslash must not escape the closing backtick.
  assert.equal(quoteIdentifier('x\\'), '`x\\\\`');
  assert.equal(quoteIdentifier('it\'s "so"'), '`it\'s "so"`');
  assert.equal(quoteIdentifier('`; DROP TABLE t; --'), '`\\`; DROP TABLE t; --`');
});

test('a string literal escapes its quote and backslash; backticks and double quotes stay', () => {
  assert.equal(sqlString("it's"), "'it\\'s'");
  assert.equal(sqlString('a\\b'), "'a\\\\b'");
  assert.equal(sqlString('x\\'), "'x\\\\'");
  assert.equal(sqlString("\\'"), "'\\\\\\''");
  assert.equal(sqlString('`"'), "'`\"'");
  assert.equal(sqlString("'); DROP TABLE t; --"), "'\\'); DROP TABLE t; --'");
});

test('NUL and line breaks become escape sequences, so a statement is one line of text', () => {
  assert.equal(sqlString('a\0b'), "'a\\0b'");
  assert.equal(sqlString('one\ntwo\r\n\tthree'), "'one\\ntwo\\r\\n\\tthree'");
  assert.equal(quoteIdentifier('a\0b\nc'), '`a\\0b\\nc`');
  for (const text of ['a\0b', 'x\ny', 'x\ry', 'x\ty']) {
    assert.doesNotMatch(sqlString(text), /[\0\n\r\t]/);
    assert.doesNotMatch(quoteIdentifier(text), /[\0\n\r\t]/);
  }
});

test('unicode passes through untouched', () => {
  assert.equal(sqlString('é ü 中文 😀 \u2028'), "'é ü 中文 😀 \u2028'");
  assert.equal(quoteIdentifier('colonne_é_😀'), '`colonne_é_😀`');
});

test('whatever the text, the quoted form has exactly two unescaped quote characters, at the ends', () => {
  const hostile = ["'", '`', '\\', "\\'", '\\`', "''", '``', "a'`\\\0\n\r\t\u2028😀", '\\\\\\'];
  for (const text of hostile) {
    for (const [quoted, q] of [
      [sqlString(text), "'"],
      [quoteIdentifier(text), '`'],
    ] as const) {
      assert.equal(quoted[0], q);
      assert.equal(quoted.at(-1), q);
      // Walk it as ClickHouse's lexer does: a backslash takes the next character with it.
      let i = 1;
      for (; i < quoted.length - 1; i++) {
        if (quoted[i] === '\\') i++;
        else assert.notEqual(quoted[i], q, `${JSON.stringify(text)} → ${quoted}`);
      }
      assert.equal(i, quoted.length - 1, `${JSON.stringify(text)} → ${quoted}: the closing quote is escaped`);
    }
  }
});
