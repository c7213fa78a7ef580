// The seed's API as SavvyCal documents it, end to end through `streamtap run` (issue 14 item 6): with the
// one line that reads every event, each field the stand-in serves — description_settings, group sessions,
// location_settings, and null wherever the reference allows it — lands in its own ClickHouse column with
// nothing in `_extra`; an independent decoder reads back from the topic exactly the record the API sent,
// and a null the API sent reads back from ClickHouse as NULL, a value as that value.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { MockDataset, type SavvyCalEvent } from '../../src/mock-api/index.js';
import { IndependentDecoder } from '../support/independent-decoder.js';
import { asApiEvent } from '../support/seed-events.js';
import { testKafka } from '../support/pipeline.js';
import { readTopic } from '../support/topic-reader.js';
import { streamtap, uniqueConfig } from './ops-support.js';

interface Row {
  id: string;
  description: string | null;
  location: string | null;
  payment_state: string | null;
  payment_url: string | null;
  amounts: Array<number | string | null>;
  description_settings: { include_attendees: boolean; include_fields: boolean; include_link_name: boolean };
  is_group_session: boolean | null;
  maximum_group_size: number | string | null;
  location_settings: string[];
  location_settings__null: boolean;
  metadata: Record<string, string>;
  extra: string | null;
}

test('streamtap run with state=all&period=all: every documented field on the topic and in its column, nulls kept, no _extra', async () => {
  const { file, name, schemasDir, dataDir } = uniqueConfig();
  const run = streamtap(['run', file, '--mock-api', '--data-dir', dataDir, '--schemas', schemasDir]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`${name}\\.events\\s+5000\\b`), 'all 5000 events of the stand-in');

  const query = `SELECT id, description, location, payment.state AS payment_state, payment.url AS payment_url,
      [payment.amount_total, payment.amount_subtotal, payment.amount_tax, payment.amount_discount,
       payment.amount_shipping] AS amounts,
      description_settings, is_group_session, maximum_group_size, location_settings, location_settings__null,
      metadata, _extra AS extra
    FROM ${name}.events FINAL ORDER BY id`;
  const sql = streamtap(['sql', query, '--data-dir', dataDir, '--format', 'json']);
  assert.equal(sql.code, 0, sql.stderr);
  const rows = sql.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Row);
  assert.equal(rows.length, 5000);

  // What the stand-in served (`--mock-api`: seed 42, 25 links, revision 1), by id.
  const data = new MockDataset({ seed: 42, linkPool: 25 });
  const served = new Map<string, SavvyCalEvent>();
  for (let i = 0; i < 5000; i++) {
    const event = data.event(i, 1);
    served.set(event.id, event);
  }
  const nulls = { description: 0, location: 0, payment_url: 0, amounts: 0, location_settings: 0 };
  for (const row of rows) {
    const api = served.get(row.id);
    assert.ok(api, `${row.id} was served`);
    assert.equal(row.extra, null, `${row.id}: nothing left in _extra`);
    assert.equal(row.description, api.description, `${row.id} description`);
    assert.equal(row.location, api.location, `${row.id} location`);
    assert.deepEqual(row.description_settings, api.description_settings);
    assert.equal(row.is_group_session, api.is_group_session);
    assert.equal(Number(row.maximum_group_size), api.maximum_group_size);
    // the stand-in sends null or []: both read [], and the marker tells them apart (docs/schemas.md,
    // "Nulls and emptiness")
    assert.deepEqual(row.location_settings, []);
    assert.equal(row.location_settings__null, api.location_settings === null, `${row.id} location_settings`);
    if (api.location_settings === null) nulls.location_settings++;
    assert.deepEqual(row.metadata, api.metadata);
    if (api.payment !== null) {
      const p = api.payment;
      assert.equal(row.payment_state, p.state);
      assert.equal(row.payment_url, p.url, `${row.id} payment.url`);
      const amounts = [p.amount_total, p.amount_subtotal, p.amount_tax, p.amount_discount, p.amount_shipping];
      assert.deepEqual(
        row.amounts.map((a) => (a === null ? null : Number(a))),
        amounts,
        `${row.id} payment amounts`,
      );
      if (p.url === null) nulls.payment_url++;
      if (p.amount_total === null) nulls.amounts++;
    }
    if (api.description === null) nulls.description++;
    if (api.location === null) nulls.location++;
  }
  for (const [field, n] of Object.entries(nulls)) assert.ok(n > 0, `the stand-in served no null ${field}`);

  // The topic, read with the schema files alone: each message is the served record, field for field.
  const decoder = new IndependentDecoder(schemasDir);
  const messages = await readTopic(testKafka(), `${name}.events`);
  assert.equal(messages.length, 5000);
  for (const m of messages) {
    const { file, value } = decoder.decode(m.value as Buffer);
    assert.equal(file, join(schemasDir, name, 'events.avsc'));
    assert.equal(value._extra, null);
    const plain = asApiEvent(value);
    assert.deepEqual(plain, JSON.parse(JSON.stringify(served.get(String(plain.id)))), String(plain.id));
  }
});
