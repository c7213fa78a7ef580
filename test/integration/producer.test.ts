// What the producer does with bad input, on the real broker: nothing is dropped silently.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { inferSchema } from '../../src/avro/infer.js';
import { parseSourceConfig } from '../../src/config/load.js';
import { produce } from '../../src/producers/produce.js';
import { IndependentDecoder } from '../support/independent-decoder.js';
import { sendJson, startServer, type TestServer } from '../support/http-server.js';
import { testKafka, testLogger } from '../support/pipeline.js';
import { readTopic } from '../support/topic-reader.js';

const servers: TestServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

const good = (i: number) => ({ id: `r${i}`, name: `record ${i}`, size: i });

/** A source with two resources (`items` paginated by ?page=, `other` single page) and schemas inferred from good records. */
function setup(baseUrl: string) {
  const name = `prodtest_${randomBytes(4).toString('hex')}`;
  const schemasDir = mkdtempSync(join(tmpdir(), 'streamtap-schemas-'));
  mkdirSync(join(schemasDir, name));
  for (const resource of ['items', 'other']) {
    const schema = inferSchema([good(1), good(2)], { name: resource, namespace: `t.${name}`, primaryKey: ['id'] });
    writeFileSync(join(schemasDir, name, `${resource}.avsc`), JSON.stringify(schema));
  }
  const source = parseSourceConfig(
    {
      client: { base_url: baseUrl },
      resource_defaults: { primary_key: 'id', write_disposition: 'merge' },
      resources: [
        {
          name: 'items',
          endpoint: {
            path: '/items',
            data_selector: 'data',
            paginator: { type: 'cursor', cursor_path: 'next', cursor_param: 'page' },
          },
        },
        { name: 'other', endpoint: { path: '/other' } },
      ],
    },
    { name, origin: 'test', env: {} },
  );
  return { source, schemasDir, kafka: testKafka() };
}

test('records without a key go to <topic>.dlq with the reason; an unknown field evolves the schema, a mistyped value is kept in _extra', async () => {
  const server = await startServer((_req, res, url) => {
    if (url.pathname === '/other') return sendJson(res, 200, [good(100)]);
    const page = Number(url.searchParams.get('page') ?? '1');
    const data =
      page === 1
        ? [good(1), { name: 'no key here', size: 3 }, { ...good(2), colour: 'blue' }]
        : [{ ...good(3), size: 'three' }, { id: '', name: 'empty key' }, good(4)];
    sendJson(res, 200, { data, next: page === 1 ? '2' : null });
  });
  servers.push(server);
  const { source, schemasDir, kafka } = setup(server.url);
  const report = await produce({ source, kafka, schemasDir, secrets: { env: {} }, logger: testLogger() });
  const items = report.resources.find((r) => r.resource === 'items')!;
  assert.equal(report.ok, false, 'a run with rejected records is not a success');
  // dlt's default schema_contract evolves columns: `colour` becomes a field of v2 (docs/schemas.md).
  assert.deepEqual([items.records, items.rejected, items.withExtra, items.pages], [4, 2, 1, 2]);
  assert.equal(report.resources.find((r) => r.resource === 'other')?.ok, true);

  const decoder = new IndependentDecoder(schemasDir);
  const published = (await readTopic(kafka, `${source.name}.items`)).map(
    (m) => decoder.decode(m.value as Buffer).value,
  );
  const byId = new Map(published.map((v) => [v.id, v]));
  assert.deepEqual([...byId.keys()].sort(), ['r1', 'r2', 'r3', 'r4']);
  assert.equal(byId.get('r2')?._extra, null);
  assert.equal(byId.get('r2')?.colour, 'blue');
  assert.equal(byId.get('r3')?.size, null);
  assert.deepEqual(JSON.parse(String(byId.get('r3')?._extra)), { size: 'three' });

  const dead = await readTopic(kafka, `${source.name}.items.dlq`);
  assert.equal(dead.length, 2);
  const reasons = dead.map((m) => ({
    record: JSON.parse(String(m.value)),
    class: String(m.headers?.['streamtap.error.class']),
    message: String(m.headers?.['streamtap.error.message']),
    resource: String(m.headers?.['streamtap.resource']),
  }));
  assert.deepEqual(
    reasons.map((r) => [r.record, r.class, r.resource]),
    [
      [{ name: 'no key here', size: 3 }, 'MISSING_PRIMARY_KEY', 'items'],
      [{ id: '', name: 'empty key' }, 'MISSING_PRIMARY_KEY', 'items'],
    ],
  );
  assert.match(reasons[0]!.message, /no usable primary key "id"/);
});

test('a malformed page fails its resource with a clear error; pages before it are published, other resources complete', async () => {
  const server = await startServer((_req, res, url) => {
    if (url.pathname === '/other') return sendJson(res, 200, [good(100), good(101)]);
    const page = Number(url.searchParams.get('page') ?? '1');
    if (page === 3) {
      res.writeHead(200, { 'content-type': 'application/json' });
      // Complete but not JSON (a truncated body is a retriable error of its own: test/unit/rest-bodies).
      return res.end('{"data": [ {"id": "r9"} ] oops');
    }
    sendJson(res, 200, { data: [good(page * 10), good(page * 10 + 1)], next: String(page + 1) });
  });
  servers.push(server);
  const { source, schemasDir, kafka } = setup(server.url);
  const report = await produce({ source, kafka, schemasDir, secrets: { env: {} }, logger: testLogger() });
  const items = report.resources.find((r) => r.resource === 'items')!;
  assert.equal(items.ok, false);
  assert.match(items.error ?? '', /response body is not JSON.*resource "items".*\/items\?page=3.*HTTP 200/);
  assert.equal(items.records, 4, 'the two good pages were published');
  assert.equal((await readTopic(kafka, `${source.name}.items`)).length, 4);
  assert.equal(report.resources.find((r) => r.resource === 'other')?.records, 2);
});
