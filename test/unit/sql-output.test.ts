// `streamtap sql` output: ClickHouse's Vertical layout and clickhouse-client's `\G` suffix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSqlResult, formatVertical, splitFormatClause, splitVerticalSuffix } from '../../src/cli/sql-output.js';

test('vertical: one Row N block per row, names aligned, blocks separated by an empty line', () => {
  const text = formatVertical(
    ['id', 'scheduling_link_id', 'state'],
    [
      ['ev_1', 'link_7', 'confirmed'],
      ['ev_2', '', 'canceled'],
    ],
  );
  assert.equal(
    text,
    [
      'Row 1:',
      '──────',
      'id:                 ev_1',
      'scheduling_link_id: link_7',
      'state:              confirmed',
      '',
      'Row 2:',
      '──────',
      'id:                 ev_2',
      'scheduling_link_id:',
      'state:              canceled',
    ].join('\n'),
  );
});

test('vertical: a value over several lines continues at the value column; no rows print nothing', () => {
  assert.equal(formatVertical(['a', 'note'], [['1', 'one\ntwo']]), 'Row 1:\n──────\na:    1\nnote: one\n      two');
  assert.equal(formatVertical(['a'], []), '');
});

test('formatSqlResult: vertical prints non-strings as JSON, like the other formats', () => {
  assert.equal(
    formatSqlResult(['n', 'tags', 'gone'], [[5000, ['a', 'b'], null]], 'vertical'),
    'Row 1:\n──────\nn:    5000\ntags: ["a","b"]\ngone: null',
  );
  assert.equal(formatSqlResult(['n'], [[1], [2]], 'json'), '{"n":1}\n{"n":2}');
  assert.equal(formatSqlResult(['n', 's'], [[1, 'x']], 'tsv'), 'n\ts\n1\tx');
  assert.equal(formatSqlResult(['n'], [[1]], 'table'), 'n\n-\n1');
});

test('\\G at the end of a query asks for vertical, as clickhouse-client accepts it', () => {
  assert.deepEqual(splitVerticalSuffix('SELECT 1\\G'), { query: 'SELECT 1', vertical: true });
  assert.deepEqual(splitVerticalSuffix('SELECT 1 \\G\n'), { query: 'SELECT 1', vertical: true });
  assert.deepEqual(splitVerticalSuffix('SELECT 1;\\G'), { query: 'SELECT 1', vertical: true });
  assert.deepEqual(splitVerticalSuffix('SELECT 1\\G;'), { query: 'SELECT 1', vertical: true });
  // Anything else is left exactly as written: a \G inside a literal, or no suffix at all.
  assert.deepEqual(splitVerticalSuffix("SELECT '\\G'"), { query: "SELECT '\\G'", vertical: false });
  assert.deepEqual(splitVerticalSuffix('SELECT 1 '), { query: 'SELECT 1 ', vertical: false });
});

test('a query ending in FORMAT <name> prints in the matching output; other formats are refused by name', () => {
  assert.deepEqual(splitFormatClause('SELECT * FROM t FINAL FORMAT Vertical'), {
    query: 'SELECT * FROM t FINAL',
    format: 'vertical',
  });
  assert.deepEqual(splitFormatClause('SELECT 1\nformat jsoneachrow;'), { query: 'SELECT 1', format: 'json' });
  assert.deepEqual(splitFormatClause('SELECT 1 FORMAT TabSeparatedWithNames'), { query: 'SELECT 1', format: 'tsv' });
  assert.deepEqual(splitFormatClause('SELECT 1 FORMAT PrettyCompact'), { query: 'SELECT 1', format: 'table' });
  // No clause, or FORMAT inside a literal: the query is left exactly as written.
  assert.deepEqual(splitFormatClause('SELECT 1'), { query: 'SELECT 1', format: undefined });
  assert.deepEqual(splitFormatClause("SELECT 'x FORMAT Vertical'"), {
    query: "SELECT 'x FORMAT Vertical'",
    format: undefined,
  });
  assert.throws(
    () => splitFormatClause('SELECT 1 FORMAT Parquet'),
    (e: Error & { code?: string }) =>
      e.code === 'QUERY_REFUSED' && /cannot print FORMAT Parquet.*--format table\|vertical\|json\|tsv/.test(e.message),
  );
});

test('json: 64-bit integers and decimals are exact bare numbers at any depth, as ClickHouse sent their digits', () => {
  const big = '9007199254740993'; // 2^53 + 1: a JS number would print ...992
  assert.equal(
    formatSqlResult(
      ['id', 'ids', 'by_name', 'pair', 'anon', 'price', 'label'],
      [[big, [big, null], { a: big }, { n: big, s: '12' }, [big, 'x'], '12.50', '7']],
      'json',
      [
        'Int64',
        'Array(Nullable(Int64))',
        'Map(String, UInt64)',
        'Tuple(n Int64, s String)',
        'Tuple(Int64, String)',
        'Decimal(10, 2)',
        'String',
      ],
    ),
    `{"id":${big},"ids":[${big},null],"by_name":{"a":${big}},"pair":{"n":${big},"s":"12"},"anon":["${big}","x"],"price":12.50,"label":"7"}`,
  );
  // An unnamed tuple (streamtap's tables have none), or a type streamtap cannot read, leaves the value as
  // JSON, quoted as it came: exact still, as a string.
  assert.equal(formatSqlResult(['x'], [[big]], 'json', ['Weird(']), `{"x":"${big}"}`);
});
