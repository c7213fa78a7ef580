// `schema infer` and field names (docs/schemas.md, "Field names"): API names become Avro names by dlt's
// snake_case rule with the API's name kept on the field, an existing field is found again by that name,
// a primary key the samples lack or a name no Avro name can hold stops it before anything is written.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mergeSamples } from '../../src/avro/infer.js';
import { formatInferResults, writeInferred } from '../../src/cli/schema-infer.js';

const opts = { name: 'members', namespace: 'streamtap.crm', primaryKey: ['member-id'] };
type Field = { name: string; 'streamtap.source_name'?: string; type: unknown; default?: unknown };
const own = (schema: Record<string, unknown>) =>
  (schema.fields as Field[]).filter((f) => !['_extra', '_extracted_at', '_run_id', '_version'].includes(f.name));

test('API names become snake_case Avro names, the API name kept beside; the primary key is not nullable', () => {
  const { schema, changes } = mergeSamples(
    undefined,
    [{ 'member-id': 'm-1', 'email-address': 'a@x', plain: 1, nested: { 'Display Name': 'A' }, _version: 4 }],
    opts,
  );
  const fields = own(schema);
  assert.deepEqual(
    fields.map((f) => [f.name, f['streamtap.source_name']]),
    [
      ['member_id', 'member-id'],
      ['email_address', 'email-address'],
      ['plain', undefined],
      ['nested', undefined],
      // The envelope holds `_version`: the API's own field takes the next free name.
      ['_version_2', '_version'],
    ],
  );
  assert.deepEqual(fields[0]?.type, 'string');
  const nested = (fields[3]?.type as [string, { fields: Field[] }])[1];
  assert.deepEqual(nested.fields[0], {
    name: 'display_name',
    'streamtap.source_name': 'Display Name',
    type: ['null', 'string'],
    default: null,
  });
  // A new nested record is one change; its fields' API names are on the fields.
  assert.deepEqual(
    changes.filter((c) => c.sourceName).map((c) => `${c.path} ← ${c.sourceName}`),
    ['member_id ← member-id', 'email_address ← email-address', '_version_2 ← _version'],
  );
});

test('merging finds existing fields by their API name and never renames them; new collisions take a suffix', () => {
  const first = mergeSamples(undefined, [{ 'member-id': 'm', 'first-name': 'A' }], opts).schema;
  const second = mergeSamples(
    first,
    [{ 'member-id': 'm', 'first-name': 'A', first_name: 'B', 'first name': 'C' }],
    opts,
  );
  assert.deepEqual(
    own(second.schema).map((f) => [f.name, f['streamtap.source_name'] ?? f.name]),
    [
      ['member_id', 'member-id'],
      ['first_name', 'first-name'],
      ['first_name_2', 'first_name'],
      ['first_name_3', 'first name'],
    ],
  );
});

test('a name no Avro name can hold stops schema infer, naming the resource, the field and where it is', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'streamtap-infer-')), 'crm', 'members.avsc');
  await assert.rejects(
    writeInferred(file, [{ 'member-id': 'm', profile: { '٣': 1 } }], {
      source: 'crm',
      resource: 'members',
      primaryKey: ['member-id'],
    }),
    /members: a field of profile: the field name "٣" has no Avro name: .*nothing was written/,
  );
  assert.equal(existsSync(file), false);
});

test('a primary key the samples do not carry stops schema infer instead of writing a schema without it', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'streamtap-infer-')), 'crm', 'members.avsc');
  await assert.rejects(
    writeInferred(file, [{ member_id: 'm' }], { source: 'crm', resource: 'members', primaryKey: ['member-id'] }),
    /members: primary key "member-id" is in none of the 1 sampled records .*nothing was written/,
  );
  assert.equal(existsSync(file), false);
  const ok = await writeInferred(file, [{ 'member-id': 'm' }], {
    source: 'crm',
    resource: 'members',
    primaryKey: ['member-id'],
  });
  assert.match(formatInferResults([ok]), /\+ member_id {2}string {2}\(from "member-id"\)/);
  assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { fields: Field[] }).fields[0]?.name, 'member_id');
});
