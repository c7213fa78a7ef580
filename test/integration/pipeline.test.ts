// End to end on real services: stand-in API (with injected 429/503) → real Kafka → real ClickHouse.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runConsume, runProduce, tableCounts } from '../../src/cli/commands.js';
import { startMockApi, type MockApi } from '../../src/mock-api/index.js';
import { IndependentDecoder } from '../support/independent-decoder.js';
import { closeSharedClickHouse, queryRows, seedContext, sharedClickHouse } from '../support/pipeline.js';
import { readTopic } from '../support/topic-reader.js';

const TOKEN = 'test-token-7f3a';
let api: MockApi;
const sleeps: number[] = [];
const retry = { sleep: async (ms: number) => void sleeps.push(ms) };

before(async () => {
  api = await startMockApi({
    token: TOKEN,
    events: 5000,
    links: 40,
    faults: { every: 9, statuses: [429, 503], retryAfter: '1' },
  });
});
after(async () => {
  await api.close();
  await closeSharedClickHouse();
});

const ctx = () => context;
let context: ReturnType<typeof seedContext>;

interface EventRow {
  id: string;
  state: string | null;
  summary: string | null;
  duration: string | number | null;
  start_at: string | null;
  // typed columns (docs/schemas.md): attendees Array(Tuple(...)), metadata Map(String, String)
  attendees: unknown;
  metadata: unknown;
  _version: string;
}

test('run: 5,000 events in pages of 100, links and time zones land in ClickHouse, one row per id', async () => {
  context = seedContext(api.url, TOKEN, { limit: 100 });
  const ch = await sharedClickHouse();
  const produced = await runProduce(ctx(), undefined, retry);
  assert.equal(produced.ok, true, JSON.stringify(produced.resources));
  assert.ok(api.stats.faults > 0, 'the stand-in injected faults');
  assert.equal(sleeps.length, api.stats.faults, 'every fault was retried once, after the Retry-After wait');
  assert.ok(
    sleeps.every((ms) => ms === 1000),
    `Retry-After: 1 honoured: ${sleeps.join(',')}`,
  );
  const byName = Object.fromEntries(produced.resources.map((r) => [r.resource, r]));
  assert.equal(byName.events?.records, 5000);
  assert.equal(byName.events?.pages, 50);
  assert.equal(byName.scheduling_links?.records, 40);

  await runConsume({ context: ctx(), clickhouse: ch, until: 'caught-up' });
  const counts = Object.fromEntries((await tableCounts(ctx(), ch)).map((c) => [c.table.split('.')[1], c.rows]));
  const distinct = (resource: 'events' | 'links' | 'time_zones') =>
    new Set(api.records(resource).map((r) => (r as { id: string }).id)).size;
  assert.deepEqual(counts, {
    events: distinct('events'),
    scheduling_links: distinct('links'),
    timezones: distinct('time_zones'),
  });
  assert.equal(counts.events, 5000);

  // A sample of rows equals the API's records, field for field.
  const db = ctx().source.name;
  const expected = new Map(api.records('events').map((r) => [(r as { id: string }).id, r as Record<string, unknown>]));
  const rows = await queryRows<EventRow>(ch, `SELECT * FROM ${db}.events FINAL ORDER BY id LIMIT 200`);
  assert.equal(rows.length, 200);
  for (const row of rows) assertRowMatches(row, expected.get(row.id));
});

test('a second run after the API changed and added records: FINAL shows the new content, one row per id', async () => {
  const ch = await sharedClickHouse();
  const before = new Map(api.records('events').map((r) => [(r as { id: string }).id, r as Record<string, unknown>]));
  api.update({ revision: 2, events: 5300, links: 45 });
  const now = api.records('events') as Record<string, unknown>[];
  const changed = now.filter(
    (r) => before.has(r.id as string) && JSON.stringify(before.get(r.id as string)) !== JSON.stringify(r),
  );
  assert.ok(changed.length > 100, `the stand-in changed ${changed.length} records`);

  const produced = await runProduce(ctx(), undefined, retry);
  assert.equal(produced.ok, true);
  await runConsume({ context: ctx(), clickhouse: ch, until: 'caught-up' });
  const db = ctx().source.name;
  const [stats] = await queryRows<{ n: string; ids: string; raw: string }>(
    ch,
    `SELECT count() AS n, uniqExact(id) AS ids, (SELECT count() FROM ${db}.events) AS raw FROM ${db}.events FINAL`,
  );
  assert.equal(Number(stats?.n), 5300);
  assert.equal(Number(stats?.ids), 5300);
  assert.ok(Number(stats?.raw) >= 5300, 'both observations were inserted; FINAL picks the latest');
  const ids = changed
    .slice(0, 50)
    .map((r) => `'${String(r.id)}'`)
    .join(',');
  const rows = await queryRows<EventRow>(ch, `SELECT * FROM ${db}.events FINAL WHERE id IN (${ids})`);
  assert.equal(rows.length, 50);
  const current = new Map(now.map((r) => [r.id as string, r]));
  for (const row of rows) assertRowMatches(row, current.get(row.id));
  const [links] = await queryRows<{ n: string }>(ch, `SELECT count() AS n FROM ${db}.scheduling_links FINAL`);
  assert.equal(Number(links?.n), 45);
});

test('every message on the topics decodes with the files in schemas/ alone', async () => {
  const decoder = new IndependentDecoder(ctx().schemasDir);
  let total = 0;
  for (const resource of ctx().source.resources) {
    const messages = await readTopic(ctx().kafka, `${ctx().source.name}.${resource.name}`);
    assert.ok(messages.length > 0);
    for (const m of messages) {
      const { value, file } = decoder.decode(m.value as Buffer);
      assert.ok(file.endsWith(`${resource.name}.avsc`));
      assert.equal(m.key?.toString(), value.id, 'the message key is the primary key');
      assert.equal(m.headers?.['streamtap.resource']?.toString(), resource.name);
      assert.equal(m.headers?.['streamtap.source']?.toString(), ctx().source.name);
      assert.match(String(m.headers?.['streamtap.run_id']), /^[0-9a-f-]{36}$/);
      assert.ok(!Number.isNaN(Date.parse(String(m.headers?.['streamtap.extracted_at']))));
      assert.equal(value._extra, null, 'the shipped schemas know every field of the stand-in');
    }
    total += messages.length;
  }
  assert.equal(total, 5000 + 40 + 5300 + 45 + 2 * api.records('time_zones').length);
});

function assertRowMatches(row: EventRow, api: Record<string, unknown> | undefined): void {
  assert.ok(api, `row ${row.id} exists in the API`);
  assert.equal(row.state, api.state);
  assert.equal(row.summary, api.summary);
  assert.equal(Number(row.duration), api.duration);
  assert.equal(Date.parse(`${row.start_at}Z`), Date.parse(String(api.start_at)));
  // Each attendee's nullable `fields` list sits beside its null marker (docs/schemas.md, "Nulls and emptiness").
  const attendees = (api.attendees as Record<string, unknown>[] | null)?.map((a) => ({
    ...a,
    fields: a.fields ?? [],
    fields__null: a.fields === null,
  }));
  assert.deepEqual(row.attendees, attendees ?? []);
  assert.deepEqual(row.metadata, api.metadata);
}
