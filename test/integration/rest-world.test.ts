// Issue 13 end to end: each behaviour of test/fixtures/http/ served by a local stand-in, `streamtap schema infer`
// then `streamtap run` as a user runs them (real Kafka, embedded ClickHouse), and the rows that land.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { serveFixture, type FixtureServer } from '../support/http-fixtures.js';
import { brokers } from '../support/pipeline.js';

/** The CLI as a child process; asynchronous, so this process's stand-in server keeps answering meanwhile. */
function streamtap(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/streamtap.js', ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      KAFKA_BROKERS: brokers,
      STREAMTAP_LOG_LEVEL: 'warn',
      STREAMTAP_SECRET_API_KEY: 'x-test-key',
    },
    timeout: 240_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly server: FixtureServer;
  rows(table: string, columns: string): Promise<unknown[]>;
}

/** Serves a fixture, infers its schemas, runs it, and lets the test read the tables it loaded. */
async function runCase(folder: string): Promise<Ran> {
  const dir = join('test/fixtures/http', folder);
  const name = `world_${randomBytes(4).toString('hex')}`;
  const work = mkdtempSync(join(tmpdir(), 'streamtap-world-'));
  const config = join(work, `${name}.json`);
  writeFileSync(config, JSON.stringify({ name, ...JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) }));
  const schemas = join(work, 'schemas');
  const dataDir = join(work, 'data');
  const server = await serveFixture(join(dir, 'responses.json'));
  try {
    const infer = await streamtap(['schema', 'infer', config, '--base-url', server.url, '--schemas', schemas]);
    assert.equal(infer.code, 0, infer.stderr);
    // The run meets the API as new: each route's sequence starts over.
    server.reset();
    const run = await streamtap(['run', config, '--base-url', server.url, '--schemas', schemas, '--data-dir', dataDir]);
    return {
      ...run,
      server,
      rows: async (table, columns) => {
        const sql = await streamtap([
          'sql',
          `SELECT ${columns} FROM ${name}.${table}_latest ORDER BY ${columns}`,
          '--data-dir',
          dataDir,
          '--format',
          'json',
        ]);
        assert.equal(sql.code, 0, sql.stderr);
        return sql.stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as unknown);
      },
    };
  } finally {
    await server.close();
  }
}

test('01 page_number whose total appears on page 1 only: all 3 readings land, exit 0', async () => {
  const ran = await runCase('01-page-number-total-first-page-only');
  assert.equal(ran.code, 0, ran.stderr);
  assert.deepEqual(await ran.rows('readings', 'start_time'), [
    { start_time: '2024-05-25 14:45:00.000' },
    { start_time: '2024-05-25 15:00:00.000' },
    { start_time: '2024-05-25 15:15:00.000' },
  ]);
});

test('04 cursor handed back at the end of data: e1, e2, e3 for both resources, exit 0', async () => {
  const ran = await runCase('04-cursor-returned-on-last-page');
  assert.equal(ran.code, 0, ran.stderr);
  const expected = [{ uuid: 'e1' }, { uuid: 'e2' }, { uuid: 'e3' }];
  assert.deepEqual(await ran.rows('signins', 'uuid'), expected);
  assert.deepEqual(await ran.rows('signins_with_stop', 'uuid'), expected);
});

test('05 @odata.nextLink: 3 users, detected and configured, the link requested as given, exit 0', async () => {
  const ran = await runCase('05-odata-nextlink-autodetect');
  assert.equal(ran.code, 0, ran.stderr);
  const ids = [1, 2, 3].map((n) => ({ id: `0e6a1c2d-0000-4000-8000-00000000000${n}` }));
  assert.deepEqual(await ran.rows('users', 'id'), ids);
  assert.deepEqual(await ran.rows('users_explicit', 'id'), ids);
  assert.ok(ran.server.log.includes('GET /users?$select=id,displayName&$top=2&$skiptoken=RFNwdAIAAQAAAA'));
});

test('06 429 with Retry-After: 0: backs off instead of a retry storm, 2 projects land, exit 0', async () => {
  const ran = await runCase('06-retry-after-zero');
  assert.equal(ran.code, 0, ran.stderr);
  assert.deepEqual(await ran.rows('projects', 'id, name'), [
    { id: 1, name: 'alpha' },
    { id: 2, name: 'beta' },
  ]);
  assert.deepEqual(ran.server.log, ['GET /projects', 'GET /projects', 'GET /projects']);
});

test('07 204 No Content from a child endpoint: no records for that parent, no error, exit 0', async () => {
  const ran = await runCase('07-204-no-content');
  assert.equal(ran.code, 0, ran.stderr);
  assert.deepEqual(await ran.rows('pipelines', 'id'), [{ id: 11 }, { id: 12 }]);
  assert.deepEqual(await ran.rows('runs_ignore_204', 'id'), [{ id: 501 }, { id: 502 }]);
  assert.deepEqual(await ran.rows('runs_plain', 'id'), [{ id: 501 }, { id: 502 }]);
});

test('08 JSON body with a UTF-8 BOM: both orders with their names intact, exit 0', async () => {
  const ran = await runCase('08-json-utf8-bom');
  assert.equal(ran.code, 0, ran.stderr);
  assert.deepEqual(await ran.rows('orders', 'order_id, customer'), [
    { order_id: 'SO-1001', customer: 'Zoë Müller-Ñandú' },
    { order_id: 'SO-1002', customer: 'Łukasz Test' },
  ]);
});

test('14 pre-signed URL from a parent: requested byte for byte, a param appended without re-encoding, exit 0', async () => {
  const ran = await runCase('14-child-url-from-parent-encoding');
  assert.equal(ran.code, 0, ran.stderr);
  for (const table of ['report_files', 'report_files_with_param'])
    assert.deepEqual(await ran.rows(table, 'report_id'), [{ report_id: 'r-20250203' }], table);
  const signed =
    '/files/r-20250203/data.json?response-content-disposition=attachment%3B%20filename%3D%22r-20250203.json%22&X-Amz-Signature=3f9a0c';
  assert.ok(ran.server.log.includes(`GET ${signed}`), ran.server.log.join('\n'));
  assert.ok(ran.server.log.includes(`GET ${signed}&format=json`), ran.server.log.join('\n'));
});
