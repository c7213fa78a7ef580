// Fields whose Avro name differs from the API's (`streamtap.source_name`, src/avro/names.ts): both the
// shaper and the one-walk writer read the API's key and write the Avro name, agree byte for byte, keep
// `_extra` paths in the API's names, and refuse a key no Avro name can hold.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ENVELOPE_FIELDS } from '../../src/avro/envelope.js';
import { compileRecordWriter } from '../../src/avro/record-writer.js';
import { loadResourceCodec, type ResourceCodec } from '../../src/avro/schema-store.js';
import { singleObjectHeader } from '../../src/avro/single-object.js';
import { IndependentDecoder } from '../support/independent-decoder.js';

const SCHEMA = {
  type: 'record',
  name: 'Members',
  namespace: 'test.names',
  fields: [
    { name: 'member_id', 'streamtap.source_name': 'member-id', type: 'string' },
    { name: 'geo_lat', 'streamtap.source_name': 'geo.lat', type: ['null', 'double'], default: null },
    {
      name: 'profile',
      type: [
        'null',
        {
          type: 'record',
          name: 'Profile',
          fields: [
            { name: 'display_name', 'streamtap.source_name': 'display-name', type: ['null', 'string'], default: null },
          ],
        },
      ],
      default: null,
    },
    { name: 'x', 'streamtap.source_name': '名前', type: ['null', 'string'], default: null },
    ...ENVELOPE_FIELDS,
  ],
};

async function codec(): Promise<{ codec: ResourceCodec; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'streamtap-names-'));
  mkdirSync(join(dir, 'crm'));
  writeFileSync(join(dir, 'crm', 'members.avsc'), JSON.stringify(SCHEMA));
  return { codec: await loadResourceCodec(dir, 'crm', 'members'), dir };
}

const env = { extractedAt: 1_764_300_000_000, runId: 'r', nextVersion: () => 3 };

test('values are read under the API name and written under the Avro name, by both paths alike', async () => {
  const { codec: c, dir } = await codec();
  const record = {
    'member-id': 'm-1',
    'geo.lat': 48.137,
    profile: { 'display-name': 'Ana X', tier: 'gold' },
    名前: 'テスト',
  };
  const fast = compileRecordWriter(c.schema as never, singleObjectHeader(c.type));
  assert.ok(fast);
  const written = c.write(structuredClone(record), env);
  assert.deepEqual(fast(structuredClone(record), env).bytes, written.bytes);
  const { value: shaped, extra } = c.shape(structuredClone(record));
  assert.deepEqual(shaped, { member_id: 'm-1', geo_lat: 48.137, profile: { display_name: 'Ana X' }, x: 'テスト' });
  // `_extra` names what the API sent, where it sent it.
  assert.deepEqual(extra, { 'profile.tier': 'gold' });
  const decoded = new IndependentDecoder(dir).decode(written.bytes).value;
  assert.equal(decoded.member_id, 'm-1');
  assert.equal(decoded.geo_lat, 48.137);
  assert.deepEqual({ ...(decoded.profile as object) }, { display_name: 'Ana X' });
  assert.equal(decoded.x, 'テスト');
  assert.equal(decoded._extra, JSON.stringify({ 'profile.tier': 'gold' }));
});

test('a field under its Avro name is not the field: the API sends `member-id`, so `member_id` is unknown', async () => {
  const { codec: c } = await codec();
  assert.deepEqual(c.shape({ 'member-id': 'a', member_id: 'b' }).extra, { member_id: 'b' });
});

test('a key no Avro name can hold is refused by both paths, naming it and where it is', async () => {
  const { codec: c } = await codec();
  const fast = compileRecordWriter(c.schema as never, singleObjectHeader(c.type));
  assert.ok(fast);
  const expected = /a field of profile: the field name " {2}" is blank/;
  const record = { 'member-id': 'a', profile: { '  ': 1 } };
  assert.throws(() => c.shape(structuredClone(record)), expected);
  assert.throws(() => fast(structuredClone(record), env), expected);
  assert.throws(() => c.write({ 'member-id': 'a', '٣': 1 }, env), /a top-level field: .*"٣" has no Avro name/);
});
