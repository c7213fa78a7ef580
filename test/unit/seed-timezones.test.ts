// The seed's time zones keep their local offsets (issue 14 item 6): `period.from` / `until` are served as
// ISO 8601 text with the zone's offset, and a `timestamp-millis` would keep only the instant. Schema v2
// holds them as text; v1 (timestamp-millis) stays beside it so messages written with it still decode.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadResourceCodec, loadSchemaHistory } from '../../src/avro/schema-store.js';
import { TIME_ZONES } from '../../src/mock-api/index.js';
import { IndependentDecoder } from '../support/independent-decoder.js';

const schemas = join(process.cwd(), 'schemas');
const envelope = { extractedAt: 1_764_300_000_123, runId: 'r', nextVersion: () => 1 };

test('time zone periods reach the topic with their offsets, exactly as served', async () => {
  const codec = await loadResourceCodec(schemas, 'savvycal', 'timezones');
  assert.equal(codec.version, 2);
  const decoder = new IndependentDecoder(schemas);
  const withUntil = TIME_ZONES.find((z) => z.period.until !== null);
  assert.ok(withUntil);
  for (const zone of [withUntil, ...TIME_ZONES]) {
    const { bytes, extra } = codec.write(structuredClone(zone), envelope);
    const { value } = decoder.decode(bytes);
    assert.equal(extra, null, zone.id);
    assert.deepEqual({ ...(value.period as object) }, { from: zone.period.from, until: zone.period.until }, zone.id);
  }
  assert.deepEqual(
    { ...(decoder.decode(codec.write(structuredClone(withUntil), envelope).bytes).value.period as object) },
    {
      from: '2024-10-31T23:00:00+02:00',
      until: '2025-04-25T00:00:00+03:00',
    },
  );
});

test('schema v1 (timestamp-millis) is kept as history, so its messages still decode', async () => {
  const history = await loadSchemaHistory(schemas, 'savvycal', 'timezones');
  assert.deepEqual(
    history.map((h) => h.version),
    [1],
  );
});
