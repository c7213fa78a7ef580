// Registry mode (SCHEMA_REGISTRY_URL) against a real schema registry: Apicurio Registry started by
// scripts/schema-registry.sh (from Maven Central), or the registry SCHEMA_REGISTRY_URL already names.
// Producers register each schema under `<topic>-value` and write the Confluent wire format; the
// consumer resolves ids through the registry; every message decodes with a decoder written here from
// the registry's REST API and avsc alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import avro from 'avsc';
import { runConsume, runProduce, tableCounts } from '../../src/cli/commands.js';
import { startMockApi, type MockApi } from '../../src/mock-api/index.js';
import { closeSharedClickHouse, seedContext, sharedClickHouse } from '../support/pipeline.js';
import { readTopic } from '../support/topic-reader.js';

const TOKEN = 'registry-token';
const PROVISIONING = /no Java 21|mvn not found|maven could not fetch|quarkus-run\.jar missing/;
const scriptEnv = {
  ...process.env,
  SCHEMA_REGISTRY_PORT: process.env.SCHEMA_REGISTRY_TEST_PORT ?? '18581',
  SCHEMA_REGISTRY_MGMT_PORT: process.env.SCHEMA_REGISTRY_TEST_MGMT_PORT ?? '18591',
  SCHEMA_REGISTRY_DATA_DIR: mkdtempSync(join(tmpdir(), 'streamtap-registry-')),
};
let url = process.env.SCHEMA_REGISTRY_URL;
let startedHere = false;
/** Set only when the registry cannot be provisioned on this machine (no Java 21+, no Maven Central). */
let unavailable: string | undefined;
let api: MockApi;

before(async () => {
  if (!url) {
    const started = spawnSync('bash', ['scripts/schema-registry.sh', 'start'], {
      env: scriptEnv,
      encoding: 'utf8',
      timeout: 600_000,
    });
    if (started.status === 0) {
      url = /SCHEMA_REGISTRY_URL=(\S+)/.exec(started.stdout)?.[1];
      startedHere = true;
    } else if (PROVISIONING.test(started.stderr)) {
      unavailable = `the schema registry cannot be provisioned here: ${started.stderr.trim().split('\n').pop()}`;
    } else {
      throw new Error(`scripts/schema-registry.sh start failed:\n${started.stderr}`);
    }
  }
  if (url) process.env.SCHEMA_REGISTRY_URL = url; // produce and consume take it from the environment, as the CLI does
  api = await startMockApi({ token: TOKEN, events: 250, links: 6 });
});
after(async () => {
  await api?.close();
  await closeSharedClickHouse();
  if (startedHere) spawnSync('bash', ['scripts/schema-registry.sh', 'stop'], { env: scriptEnv, stdio: 'inherit' });
});

async function registry<T>(path: string): Promise<T> {
  const response = await fetch(`${url}${path}`, { headers: { accept: 'application/vnd.schemaregistry.v1+json' } });
  assert.equal(response.status, 200, `GET ${path}`);
  return (await response.json()) as T;
}

test('registry mode: schemas registered under <topic>-value, Confluent framing on the wire, rows in ClickHouse', async (t) => {
  if (unavailable) return t.skip(unavailable);
  const seeded = seedContext(api.url, TOKEN, { limit: 100 });
  const ctx = { ...seeded, env: { ...seeded.env, SCHEMA_REGISTRY_URL: url } }; // as the CLI's context would carry it
  const ch = await sharedClickHouse();
  const produced = await runProduce(ctx);
  assert.equal(produced.ok, true, JSON.stringify(produced.resources));

  const subjects = await registry<string[]>('/subjects');
  const types = new Map<number, avro.Type>();
  let total = 0;
  for (const resource of ctx.source.resources) {
    const topic = `${ctx.source.name}.${resource.tableName}`;
    assert.ok(subjects.includes(`${topic}-value`), `${topic}-value is registered`);
    const latest = await registry<{ id: number; schema: string }>(
      `/subjects/${encodeURIComponent(`${topic}-value`)}/versions/latest`,
    );
    const messages = await readTopic(ctx.kafka, topic);
    assert.ok(messages.length > 0);
    for (const m of messages) {
      const bytes = m.value as Buffer;
      assert.equal(bytes[0], 0, 'magic byte');
      const id = bytes.readUInt32BE(1);
      assert.equal(id, latest.id, 'the id registered for the topic');
      if (!types.has(id))
        types.set(
          id,
          avro.Type.forSchema(JSON.parse((await registry<{ schema: string }>(`/schemas/ids/${id}`)).schema)),
        );
      const value = types.get(id)?.fromBuffer(bytes.subarray(5)) as Record<string, unknown>;
      assert.equal(m.key?.toString(), value.id, 'the message key is the primary key');
    }
    total += messages.length;
  }
  assert.equal(total, 250 + 6 + api.records('time_zones').length);

  await runConsume({ context: ctx, clickhouse: ch, until: 'caught-up' });
  const counts = Object.fromEntries((await tableCounts(ctx, ch)).map((c) => [c.table.split('.')[1], c.rows]));
  assert.deepEqual(counts, { events: 250, scheduling_links: 6, timezones: api.records('time_zones').length });
});
