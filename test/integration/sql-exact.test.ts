// What `streamtap sql` and `status` read is what the engine holds: 64-bit integers and decimals arrive as
// exact text, never as JS numbers rounded beyond 2^53 (a display that rounds is silent data change too).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runQuery } from '../../src/observability/query-endpoint.js';
import { formatSqlResult } from '../../src/cli/sql-output.js';
import { closeSharedClickHouse, sharedClickHouse } from '../support/pipeline.js';

after(closeSharedClickHouse);

test('query results keep Int64, UInt64 and Decimal values exact; floats stay numbers', async () => {
  const { names, types, rows } = await runQuery(
    await sharedClickHouse(),
    `SELECT toInt64('1790012345678901233') AS id, toInt64('-9223372036854775808') AS min,
            toUInt64('18446744073709551615') AS umax, toDecimal128('12345678901234567890.123', 3) AS d, 1.5 AS f`,
  );
  assert.deepEqual(names, ['id', 'min', 'umax', 'd', 'f']);
  assert.deepEqual(rows, [
    ['1790012345678901233', '-9223372036854775808', '18446744073709551615', '12345678901234567890.123', 1.5],
  ]);
  assert.equal(
    formatSqlResult(names, rows, 'tsv'),
    'id\tmin\tumax\td\tf\n1790012345678901233\t-9223372036854775808\t18446744073709551615\t12345678901234567890.123\t1.5',
  );
  // JSON lines carry them as bare numbers with the exact digits, as ClickHouse's own JSON formats do.
  assert.equal(
    formatSqlResult(names, rows, 'json', types),
    '{"id":1790012345678901233,"min":-9223372036854775808,"umax":18446744073709551615,"d":12345678901234567890.123,"f":1.5}',
  );
});
