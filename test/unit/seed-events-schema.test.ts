// The seed's schemas carry every field SavvyCal documents (issue 14 item 6): whatever the stand-in serves
// — the fields of the newer reference, and null wherever the reference allows it — reaches the topic as
// a typed value with nothing left over in `_extra`, and an independent decoder reads back the record the
// API sent, null for null.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadResourceCodec, loadSchemaHistory } from '../../src/avro/schema-store.js';
import { renderType } from '../../src/clickhouse/column-types.js';
import { planEvolution } from '../../src/consumers/table-evolution.js';
import { schemaColumns } from '../../src/consumers/table-schema.js';
import { MockDataset, TIME_ZONES } from '../../src/mock-api/index.js';
import { IndependentDecoder } from '../support/independent-decoder.js';
import { asApiEvent } from '../support/seed-events.js';

const schemas = join(process.cwd(), 'schemas');
const envelope = { extractedAt: 1_764_300_000_123, runId: 'r', nextVersion: () => 1 };
// The Event properties of SavvyCal's references: savvycal.com/docs/api/resources/event and the newer
// developers.savvycal.com/api/schemas/event (which adds the last five and the buffers).
const DOCUMENTED_EVENT_FIELDS = [
  'id',
  'state',
  'summary',
  'description',
  'additional_info',
  'location',
  'created_at',
  'start_at',
  'end_at',
  'duration',
  'canceled_at',
  'cancel_reason',
  'rescheduled_at',
  'reschedule_reason',
  'original_start_at',
  'original_end_at',
  'conferencing',
  'link',
  'poll',
  'scope',
  'scheduler',
  'organizer',
  'attendees',
  'payment',
  'metadata',
  'url',
  'buffer_before',
  'buffer_after',
  'description_settings',
  'is_group_session',
  'maximum_group_size',
  'location_settings',
];

test('events.avsc v2 has a field for every documented Event property, v1 stays as history', async () => {
  const codec = await loadResourceCodec(schemas, 'savvycal', 'events');
  assert.equal(codec.version, 2);
  const names = codec.schema.fields.map((f) => f.name);
  for (const name of DOCUMENTED_EVENT_FIELDS) assert.ok(names.includes(name), `events.avsc lacks ${name}`);
  const history = await loadSchemaHistory(schemas, 'savvycal', 'events');
  assert.deepEqual(
    history.map((h) => h.version),
    [1],
  );
  const v1 = history[0]!;
  assert.notEqual(v1.fingerprint, codec.fingerprint);
  for (const name of ['description_settings', 'is_group_session', 'maximum_group_size', 'location_settings'])
    assert.ok(!v1.schema.fields.some((f) => f.name === name), `v1 is the file as it was, without ${name}`);
});

test('a table created from events v1 takes v2 by adding its four fields (and a null marker for the list), nothing else changing', async () => {
  const v2 = await loadResourceCodec(schemas, 'savvycal', 'events');
  const [v1] = await loadSchemaHistory(schemas, 'savvycal', 'events');
  assert.ok(v1);
  const have = new Map(schemaColumns(v1.schema, ['id']).map((c) => [c.name, c.ch]));
  const plan = planEvolution(have, v2, ['id']);
  assert.deepEqual(plan.errors, []);
  assert.deepEqual(plan.modify, []);
  assert.deepEqual(
    plan.add.map(([name, type]) => `${name} ${renderType(type)}`),
    [
      'description_settings Nullable(Tuple(include_attendees Nullable(Bool), include_fields Nullable(Bool), include_link_name Nullable(Bool)))',
      'is_group_session Nullable(Bool)',
      'maximum_group_size Nullable(Int64)',
      'location_settings Array(String)',
      'location_settings__null Nullable(Bool)',
    ],
  );
});

test('every event the stand-in serves fits events.avsc exactly and decodes to the record served', async () => {
  const codec = await loadResourceCodec(schemas, 'savvycal', 'events');
  const decoder = new IndependentDecoder(schemas);
  const seen = { description: 0, location: 0, paymentUrl: 0, amounts: 0, locationSettings: 0, group: 0 };
  for (const detail of ['full', 'compact'] as const) {
    const data = new MockDataset({ seed: 42, linkPool: 25, eventDetail: detail });
    for (const revision of [1, 3]) {
      for (let i = 0; i < 1500; i++) {
        const event = data.event(i, revision);
        const { bytes, extra } = codec.write(structuredClone(event), envelope);
        assert.equal(extra, null, `event ${i} (${detail}, revision ${revision}) left ${extra} in _extra`);
        const { file, value } = decoder.decode(bytes);
        assert.equal(file, join(schemas, 'savvycal', 'events.avsc'));
        assert.deepEqual(asApiEvent(value), JSON.parse(JSON.stringify(event)), `event ${i}`);
        if (event.description === null) seen.description++;
        if (event.location === null) seen.location++;
        if (event.payment?.url === null) seen.paymentUrl++;
        if (event.payment !== null && event.payment.amount_total === null) seen.amounts++;
        if (event.location_settings === null) seen.locationSettings++;
        if (event.is_group_session) seen.group++;
      }
    }
  }
  for (const [what, n] of Object.entries(seen)) assert.ok(n > 0, `no event had ${what} null (or set)`);
});

test('a location setting object, whose properties the reference does not list, is kept as its exact JSON text', async () => {
  const codec = await loadResourceCodec(schemas, 'savvycal', 'events');
  const decoder = new IndependentDecoder(schemas);
  const event = { ...new MockDataset({ seed: 1, linkPool: 3 }).event(0, 1) } as Record<string, unknown>;
  const settings = [{ kind: 'zoom', position: 1, nested: { a: [1, null] } }, { label: 'Café' }];
  event.location_settings = settings;
  const { bytes, extra } = codec.write(event, envelope);
  assert.equal(extra, null);
  const items = decoder.decode(bytes).value.location_settings as string[];
  assert.deepEqual(
    items.map((s) => JSON.parse(s) as unknown),
    settings,
  );
});

test('every scheduling link and time zone the stand-in serves fits its schema with nothing in _extra', async () => {
  const links = await loadResourceCodec(schemas, 'savvycal', 'scheduling_links');
  const data = new MockDataset({ seed: 42, linkPool: 200 });
  for (let i = 0; i < 200; i++) {
    for (const revision of [1, 4]) assert.equal(links.shape(data.link(i, revision)).extra, null, `link ${i}`);
  }
  const zones = await loadResourceCodec(schemas, 'savvycal', 'timezones');
  for (const zone of TIME_ZONES) assert.equal(zones.shape(structuredClone(zone)).extra, null, zone.id);
});
