// Field names → Avro names: dlt's snake_case rule, held to dlt's own test cases, plus streamtap's
// collision and unmappable-name rules (src/avro/names.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assignFieldNames,
  avroFieldName,
  primaryKeyFields,
  PrimaryKeyFieldError,
  snakeCase,
  UnmappableNameError,
} from '../../src/avro/names.js';

// Translated from dlt-hub/dlt, tests/common/normalizers/test_naming_snake_case.py,
// test_normalize_identifier, test_alphabet_reduction and test_normalizes_underscores.
test("snakeCase gives what dlt's snake_case gives on dlt's own test cases", () => {
  const cases: [string, string][] = [
    ['event_value', 'event_value'],
    ['event value', 'event_value'],
    ['event-.!:*<>value', 'event_x_value'],
    ["1event_n'", '_1event_nx'],
    ["123event_n'", '_123event_nx'],
    ['123BaNaNa', '_123_ba_na_na'],
    ['BANANA', 'banana'],
    ['BAN_ANA', 'ban_ana'],
    ['BANaNA', 'ba_na_na'],
    ['Small Love Potion', 'small_love_potion'],
    [' Small Love Potion ', 'small_love_potion'],
    ['BANANA_', 'bananax'],
    ['BANANA____', 'bananaxxxx'],
    ['+-!$*@#=|:', 'x_xa_lx'],
    ['+1', 'x1'],
    ['-1', '_1'],
    ['+-*@|', 'x_xal'],
    ['event__value_value2____', 'event_value_value2xxxx'],
  ];
  for (const [input, expected] of cases) assert.equal(snakeCase(input), expected, input);
});

test('the names of the non-Avro-names case map as dlt maps them', () => {
  assert.equal(avroFieldName('first-name'), 'first_name');
  assert.equal(avroFieldName('1st_login'), '_1st_login');
  assert.equal(avroFieldName('geo.lat'), 'geo_lat');
  assert.equal(avroFieldName('member-id'), 'member_id');
  assert.equal(avroFieldName('display-name'), 'display_name');
  assert.equal(avroFieldName('createdAt'), 'created_at');
  // dlt keeps only ASCII letters: a name of other letters becomes `_`, whose trailing `_` becomes `x`.
  assert.equal(avroFieldName('名前'), 'x');
  assert.equal(avroFieldName('prénom'), 'pr_nom');
});

test('a name dlt cannot normalise, or normalises to something that is no Avro name, is an error naming it', () => {
  assert.throws(() => avroFieldName('   '), { message: /" {3}" is blank/ });
  assert.throws(() => avroFieldName(''), UnmappableNameError);
  // Python's \d (and so dlt) keeps Arabic-Indic digits; Avro names hold 0-9 only.
  assert.throws(
    () => avroFieldName('٣'),
    (e: Error) => e instanceof UnmappableNameError && /"_٣"/.test(e.message),
  );
});

test('collisions resolve by the set of names, whatever their order', () => {
  const a = assignFieldNames(['first-name', 'first_name', 'First Name', '名前', '苗字'], new Set());
  const b = assignFieldNames(['苗字', 'First Name', '名前', 'first_name', 'first-name'], new Set());
  assert.deepEqual([...a].sort(), [...b].sort());
  // The name already spelled the Avro way keeps it; the others by code unit order: ' ' < '-'.
  assert.equal(a.get('first_name'), 'first_name');
  assert.equal(a.get('First Name'), 'first_name_2');
  assert.equal(a.get('first-name'), 'first_name_3');
  assert.equal(a.get('名前'), 'x');
  assert.equal(a.get('苗字'), 'x_2');
});

test('a suffix never takes a name another field holds or wants', () => {
  const names = assignFieldNames(['a-b', 'a_b', 'a_b_2'], new Set(['a_b_3']));
  assert.equal(names.get('a_b'), 'a_b');
  assert.equal(names.get('a_b_2'), 'a_b_2');
  assert.equal(names.get('a-b'), 'a_b_4');
  // Existing fields keep their names; a new one that collides with them takes a suffix.
  assert.equal(assignFieldNames(['_version'], new Set(['_version'])).get('_version'), '_version_2');
});

test('primary keys are found by the API name the field came from', () => {
  const schema = {
    fields: [
      { name: 'member_id', 'streamtap.source_name': 'member-id', type: 'string' },
      { name: 'id', type: 'long' },
    ],
  };
  assert.deepEqual(primaryKeyFields(schema, ['member-id', 'id'], 'm.avsc'), ['member_id', 'id']);
  assert.throws(
    () => primaryKeyFields(schema, ['team-id'], 'm.avsc'),
    (e: Error) =>
      e instanceof PrimaryKeyFieldError &&
      /"team-id" is not a field of m\.avsc \(its Avro name would be team_id\)/.test(e.message),
  );
});
