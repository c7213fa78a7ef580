// The `streamtap` command as users run it: a child process, its output and its exit code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { brokers, uniqueSource } from '../support/pipeline.js';

function streamtap(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['bin/streamtap.js', ...args], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      KAFKA_BROKERS: brokers,
      STREAMTAP_LOG_LEVEL: 'warn',
      ...env,
    },
    timeout: 180_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Of the stand-in's 5000 events (`--mock-api`: seed 42), the ones the seed config as written lists: upcoming
 * and confirmed at the stand-in's clock, SavvyCal's defaults for /v1/events (test/unit/mock-api-filter.test.ts
 * derives the same figure; the README's quick start shows it).
 */
const UPCOMING_CONFIRMED = 2418;

/** The seed JSON config under a unique source name, so topics, tables and the group are this test's own. */
function uniqueConfig(): { file: string; name: string; schemasDir: string } {
  const { name, schemasDir } = uniqueSource();
  const config = JSON.parse(readFileSync('pipelines/savvycal.json', 'utf8')) as Record<string, unknown>;
  const file = join(mkdtempSync(join(tmpdir(), 'streamtap-cli-')), `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, ...config }));
  return { file, name, schemasDir };
}

test('streamtap run --mock-api with the seed config as written: the upcoming confirmed events, FINAL counts, exit 0', () => {
  const { file, name, schemasDir } = uniqueConfig();
  const dataDir = mkdtempSync(join(tmpdir(), 'streamtap-data-'));
  const run = streamtap(['run', file, '--mock-api', '--data-dir', dataDir, '--schemas', schemasDir]);
  assert.equal(run.code, 0, run.stderr);
  // pages of 20 (the API's default limit): 2418 events in 121 pages
  assert.match(run.stdout, new RegExp(`events\\s+ok\\s+121\\s+${UPCOMING_CONFIRMED}\\s+0`));
  assert.match(run.stdout, new RegExp(`${name}\\.events\\s+${UPCOMING_CONFIRMED}\\b`));
  assert.match(run.stdout, new RegExp(`${name}\\.timezones\\s+\\d+`));
  assert.match(run.stdout, /streamtap sql "SELECT \* FROM .* FINAL LIMIT 5"/);

  const sql = streamtap([
    'sql',
    `SELECT count() AS n, uniqExact(id) AS ids FROM ${name}.events FINAL`,
    '--data-dir',
    dataDir,
    '--format',
    'json',
  ]);
  assert.equal(sql.code, 0, sql.stderr);
  // UInt64 prints as a string from a server and as a number from the embedded engine.
  const counts = JSON.parse(sql.stdout.trim()) as { n: string | number; ids: string | number };
  assert.deepEqual([Number(counts.n), Number(counts.ids)], [UPCOMING_CONFIRMED, UPCOMING_CONFIRMED]);

  const states = streamtap([
    'sql',
    `SELECT count() AS n FROM ${name}.events FINAL WHERE state != 'confirmed' OR end_at <= '2023-01-12 00:00:00'`,
    '--data-dir',
    dataDir,
    '--format',
    'json',
  ]);
  assert.equal(states.code, 0, states.stderr);
  assert.equal(
    Number((JSON.parse(states.stdout.trim()) as { n: string | number }).n),
    0,
    'no past or unconfirmed event',
  );
});

test('sql --format vertical and a query ending in \\G print one Row block per row, names aligned', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamtap-data-'));
  const query = "SELECT number AS n, 'confirmed' AS event_state FROM system.numbers LIMIT 2";
  const expected = [
    'Row 1:',
    '──────',
    'n:           0',
    'event_state: confirmed',
    '',
    'Row 2:',
    '──────',
    'n:           1',
    'event_state: confirmed',
    '',
  ].join('\n');
  const flag = streamtap(['sql', query, '--data-dir', dataDir, '--format', 'vertical']);
  assert.equal(flag.code, 0, flag.stderr);
  assert.equal(flag.stdout, expected);
  const suffix = streamtap(['sql', `${query}\\G`, '--data-dir', dataDir]);
  assert.equal(suffix.code, 0, suffix.stderr);
  assert.equal(suffix.stdout, expected);
});

test('a missing secret exits 2 before any request, naming the variables to set', () => {
  const { file, schemasDir } = uniqueConfig();
  const run = streamtap(['produce', file, '--schemas', schemasDir]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /secret "api_key" is not set: export STREAMTAP_SECRET_API_KEY or API_KEY/);
  assert.match(run.stderr, /--mock-api/);
});

test('run: a failure on the producer thread exits with its code (2 for a missing secret) and leaves nothing running', () => {
  const { file, schemasDir } = uniqueConfig();
  const dataDir = mkdtempSync(join(tmpdir(), 'streamtap-data-'));
  // The secret is first needed by the producer, which `run` starts on a thread of its own.
  const run = streamtap(['run', file, '--schemas', schemasDir, '--data-dir', dataDir]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /secret "api_key" is not set: export STREAMTAP_SECRET_API_KEY or API_KEY/);
});

test('a config error exits 2 and names the path of the bad key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamtap-cli-'));
  const file = join(dir, 'bad.json');
  const config = JSON.parse(readFileSync('pipelines/savvycal.json', 'utf8')) as {
    resources: { endpoint: { paginator?: Record<string, unknown> } }[];
  };
  config.resources[1]!.endpoint.paginator!.cursor_path = 42;
  writeFileSync(file, JSON.stringify(config));
  const run = streamtap(['produce', file], { API_KEY: 'x' });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /resources\[1\]\.endpoint\.paginator\.cursor_path: .*expected (a )?string/);
});

test('a pasted dlt config (no primary key, so append; no schema files) runs: schemas inferred, MergeTree counted without FINAL, exit 0', () => {
  // dlt's defaults: no primary_key, write_disposition append; dlt infers the schema itself (issue 12).
  const { name } = uniqueSource();
  const config = JSON.parse(readFileSync('pipelines/savvycal.json', 'utf8')) as Record<string, unknown>;
  delete config.resource_defaults;
  const file = join(mkdtempSync(join(tmpdir(), 'streamtap-cli-')), `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, ...config }));
  const schemasDir = mkdtempSync(join(tmpdir(), 'no-schemas-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'streamtap-data-'));
  const run = streamtap(['run', file, '--mock-api', '--data-dir', dataDir, '--schemas', schemasDir]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr + run.stdout, /no schema file for resource \\?"events\\?": inferred one from its first page/);
  assert.ok(
    existsSync(join(schemasDir, name, 'events.avsc')),
    'the inferred schema is written where schema infer writes it',
  );
  assert.match(run.stdout, new RegExp(`${name}\\.events\\s+${UPCOMING_CONFIRMED}\\b`));
  assert.match(run.stdout, /streamtap sql "SELECT \* FROM \S+ LIMIT 5"/, 'no FINAL suggested for a MergeTree table');
  const engine = streamtap([
    'sql',
    `SELECT engine FROM system.tables WHERE database = '${name}' AND name = 'events'`,
    '--data-dir',
    dataDir,
    '--format',
    'json',
  ]);
  assert.equal(engine.code, 0, engine.stderr);
  assert.match(engine.stdout, /"engine":"MergeTree"/);
});

test('--help lists the commands', () => {
  const help = streamtap(['--help']);
  assert.equal(help.code, 0);
  for (const command of ['produce', 'consume', 'run', 'sql', 'mock-api'])
    assert.match(help.stdout, new RegExp(`\\b${command}\\b`));
  const runHelp = streamtap(['run', '--help']);
  assert.match(runHelp.stdout, /--mock-api/);
  const sqlHelp = streamtap(['sql', '--help']);
  assert.match(sqlHelp.stdout, /"vertical"/);
});
