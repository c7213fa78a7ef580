// Issue 14, names: API field names that are not Avro names (first-name, 1st_login, geo.lat, 名前, and a
// primary key member-id) through `streamtap schema infer` and `streamtap run`: typed fields under dlt's
// snake_case names on the topic (decoded independently) and in ClickHouse, the API's names kept in the
// schema; a name no Avro name can hold stops schema infer and dead-letters the record at produce.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TestServer } from '../support/http-server.js';
import { IndependentDecoder } from '../support/independent-decoder.js';
import { testKafka } from '../support/pipeline.js';
import { fixtureConfig, sqlRows, startFixtureApi, streamtapAsync } from '../support/streamtap-cli.js';
import { readTopic } from '../support/topic-reader.js';

const FIXTURES = 'test/fixtures/values/names';
let api: TestServer;
let broken: TestServer;
before(async () => {
  api = await startFixtureApi(join(FIXTURES, 'responses.json'));
  broken = await startFixtureApi(join(FIXTURES, 'unmappable.json'));
});
after(async () => {
  await api.close();
  await broken.close();
});

test('names that are not Avro names land typed under snake_case names, the primary key member-id included', async () => {
  const name = `names_${randomBytes(4).toString('hex')}`;
  const config = fixtureConfig(join(FIXTURES, 'config.json'), name);
  const schemas = mkdtempSync(join(tmpdir(), 'streamtap-schemas-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'streamtap-data-'));

  const infer = await streamtapAsync(['schema', 'infer', config, '--base-url', api.url, '--schemas', schemas]);
  assert.equal(infer.code, 0, infer.stderr);
  assert.match(infer.stdout, /\+ member_id +string {2}\(from "member-id"\)/);
  assert.match(infer.stdout, /\+ first_name_2 +null \| string {2}\(from "first-name"\)/);
  const contactsSchema = JSON.parse(readFileSync(join(schemas, name, 'contacts.avsc'), 'utf8')) as {
    fields: { name: string; 'streamtap.source_name'?: string }[];
  };
  assert.deepEqual(
    contactsSchema.fields.slice(0, 8).map((f) => [f.name, f['streamtap.source_name'] ?? f.name]),
    [
      ['id', 'id'],
      // `First Name` and `first-name` both give first_name: by code unit order, ' ' before '-'.
      ['first_name_2', 'first-name'],
      ['first_name', 'First Name'],
      ['_1st_login', '1st_login'],
      ['geo_lat', 'geo.lat'],
      ['last_seen_at', 'lastSeenAt'],
      ['profile', 'profile'],
      ['x', '名前'],
    ],
  );

  const run = await streamtapAsync(['run', config, '--base-url', api.url, '--schemas', schemas, '--data-dir', dataDir]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /members +ok +1 +2 +0/);

  // On the topic: every message decodes with the schema files alone, the key is the API's member-id.
  const decoder = new IndependentDecoder(schemas);
  const members = await readTopic(testKafka(), `${name}.members`);
  assert.deepEqual(
    members
      .map((m) => ({
        key: m.key?.toString(),
        ...pick(decoder.decode(m.value as Buffer).value, ['member_id', 'email_address', '_extra']),
      }))
      .sort((a, b) => String(a.key).localeCompare(String(b.key))),
    [
      { key: 'm-1', member_id: 'm-1', email_address: 'one@example.test', _extra: null },
      { key: 'm-2', member_id: 'm-2', email_address: 'two@example.test', _extra: null },
    ],
  );
  const contacts = (await readTopic(testKafka(), `${name}.contacts`))
    .map((m) => decoder.decode(m.value as Buffer).value)
    .sort((a, b) => Number(a.id) - Number(b.id));
  assert.deepEqual(
    contacts.map((c) => ({
      ...pick(c, ['id', 'first_name_2', 'first_name', '_1st_login', 'geo_lat', 'last_seen_at', 'x', '_extra']),
      profile: { ...(c.profile as object) },
    })),
    [
      {
        id: 1,
        first_name_2: 'Ana',
        first_name: 'ANA',
        _1st_login: Date.parse('2024-01-01T08:00:00Z'),
        geo_lat: 48.137,
        last_seen_at: Date.parse('2024-03-01T10:00:00Z'),
        x: 'テスト',
        // `tier` was in the samples, so it is typed too; nothing is left over.
        _extra: null,
        profile: { display_name: 'Ana X', tier: 'gold' },
      },
      {
        id: 2,
        first_name_2: 'Ben',
        first_name: null,
        _1st_login: Date.parse('2024-02-01T09:30:00Z'),
        geo_lat: 52.52,
        last_seen_at: null,
        x: 'サンプル',
        _extra: null,
        profile: { display_name: 'Ben Y', tier: 'silver' },
      },
    ],
  );

  // In ClickHouse: the same values in columns of those names; the members table is ordered by member_id.
  assert.deepEqual(
    await sqlRows(`SELECT member_id, email_address FROM ${name}.members_latest ORDER BY member_id`, dataDir),
    [
      { member_id: 'm-1', email_address: 'one@example.test' },
      { member_id: 'm-2', email_address: 'two@example.test' },
    ],
  );
  const [create] = await sqlRows<{ statement: string }>(`SHOW CREATE TABLE ${name}.members`, dataDir);
  assert.match(String(create?.statement), /ORDER BY \(member_id, _version\)/);
  assert.deepEqual(
    await sqlRows(
      `SELECT id, first_name_2, first_name, toString(_1st_login) AS login, geo_lat, x, profile.display_name AS display, ` +
        `profile.tier AS tier FROM ${name}.contacts FINAL ORDER BY id`,
      dataDir,
    ),
    [
      {
        id: 1,
        first_name_2: 'Ana',
        first_name: 'ANA',
        login: '2024-01-01 08:00:00.000',
        geo_lat: 48.137,
        x: 'テスト',
        display: 'Ana X',
        tier: 'gold',
      },
      {
        id: 2,
        first_name_2: 'Ben',
        first_name: null,
        login: '2024-02-01 09:30:00.000',
        geo_lat: 52.52,
        x: 'サンプル',
        display: 'Ben Y',
        tier: 'silver',
      },
    ],
  );
});

test('a field name no Avro name can hold stops schema infer (exit 2) and dead-letters its record at produce', async () => {
  const name = `names_${randomBytes(4).toString('hex')}`;
  const config = fixtureConfig(join(FIXTURES, 'config.json'), name);
  const schemas = mkdtempSync(join(tmpdir(), 'streamtap-schemas-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'streamtap-data-'));

  const refused = await streamtapAsync([
    'schema',
    'infer',
    config,
    '--base-url',
    broken.url,
    '--schemas',
    schemas,
    '--resource',
    'members',
  ]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /members: a top-level field: the field name " {2}" is blank; nothing was written/);
  assert.equal(existsSync(join(schemas, name, 'members.avsc')), false);

  // With the schema inferred from good samples, the record carrying the blank key is dead-lettered, with the reason.
  const infer = await streamtapAsync(['schema', 'infer', config, '--base-url', api.url, '--schemas', schemas]);
  assert.equal(infer.code, 0, infer.stderr);
  const run = await streamtapAsync([
    'run',
    config,
    '--base-url',
    broken.url,
    '--schemas',
    schemas,
    '--data-dir',
    dataDir,
  ]);
  assert.equal(run.code, 1, 'a dead-lettered record is a reported failure');
  assert.match(run.stdout, /members +FAILED +1 +1 +1/);
  const [dead] = await readTopic(testKafka(), `${name}.members.dlq`);
  assert.equal(String(dead?.headers?.['streamtap.error.message']), 'a top-level field: the field name "  " is blank');
  assert.deepEqual(JSON.parse(String(dead?.value)), {
    'member-id': 'm-4',
    'email-address': 'four@example.test',
    '  ': 'blank',
  });
  assert.deepEqual(await sqlRows(`SELECT member_id FROM ${name}.members_latest`, dataDir), [{ member_id: 'm-3' }]);
});

function pick(value: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, value[k]]));
}
