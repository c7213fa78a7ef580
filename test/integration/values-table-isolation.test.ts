// Issue 14, one table's trouble stays in that table: a source of two resources where one schema cannot
// make its table (a hand-edited members.avsc lost the primary key's field). Through `streamtap run`: the
// other resource is extracted and loaded with exact values, the broken one is reported (exit 1) and not
// consumed, so the group commits no offset for it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TestServer } from '../support/http-server.js';
import { testKafka } from '../support/pipeline.js';
import { fixtureConfig, sqlRows, startFixtureApi, streamtapAsync } from '../support/streamtap-cli.js';

const FIXTURES = 'test/fixtures/values/names';
let api: TestServer;
before(async () => {
  api = await startFixtureApi(join(FIXTURES, 'responses.json'));
});
after(() => api.close());

test('a resource whose table cannot be set up is reported and skipped; the other resource loads', async () => {
  const name = `isolate_${randomBytes(4).toString('hex')}`;
  const config = fixtureConfig(join(FIXTURES, 'config.json'), name);
  const schemas = mkdtempSync(join(tmpdir(), 'streamtap-schemas-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'streamtap-data-'));
  const infer = await streamtapAsync(['schema', 'infer', config, '--base-url', api.url, '--schemas', schemas]);
  assert.equal(infer.code, 0, infer.stderr);
  const file = join(schemas, name, 'members.avsc');
  const members = JSON.parse(readFileSync(file, 'utf8')) as { fields: { name: string }[] };
  members.fields = members.fields.filter((f) => f.name !== 'member_id');
  writeFileSync(file, JSON.stringify(members));

  const run = await streamtapAsync(['run', config, '--base-url', api.url, '--schemas', schemas, '--data-dir', dataDir]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /contacts +ok +1 +2 +0/);
  assert.match(run.stdout, /members +FAILED +0 +0 +0/);
  assert.match(
    run.stderr,
    new RegExp(
      `${name}\\.members was not loaded, its table cannot be set up: primary key "member-id" is not a field of .*members\\.avsc`,
    ),
  );
  assert.deepEqual(await sqlRows(`SELECT id, first_name_2 FROM ${name}.contacts FINAL ORDER BY id`, dataDir), [
    { id: 1, first_name_2: 'Ana' },
    { id: 2, first_name_2: 'Ben' },
  ]);
  assert.deepEqual(await sqlRows(`SELECT name FROM system.tables WHERE database = '${name}' ORDER BY name`, dataDir), [
    { name: 'contacts' },
    { name: 'contacts_latest' },
  ]);
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId: `streamtap.${name}`, topics: [`${name}.members`] });
    assert.ok(
      offsets?.partitions.every((p) => p.offset === '-1'),
      `no offset committed for the skipped resource: ${JSON.stringify(offsets)}`,
    );
  } finally {
    await admin.disconnect();
  }
});
