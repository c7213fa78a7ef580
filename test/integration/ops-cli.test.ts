// Operating streamtap, as users run it: live progress on a terminal and JSON logs off it, a producer on
// a schedule whose failing resource does not stop the others, metrics and health over HTTP, `status`,
// and `sql` while a consumer holds the embedded ClickHouse. Real broker, real ClickHouse engine.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startMockApi } from '../../src/mock-api/index.js';
import { Background, sample, SECRETS, streamtap, streamtapAsync, streamtapOnTty, uniqueConfig } from './ops-support.js';

interface StatusJson {
  ok: boolean;
  clickhouse: string;
  resources: {
    resource: string;
    lastRun: { outcome: string; records: number; pages: number; error?: string; discardedRows?: number } | null;
    messages: string;
    lag: string | null;
    deadLetters: string;
    rows: number | null;
  }[];
}

test('run on a terminal: live lines per resource and per table, then the summary; status and sql after it', () => {
  const { file, name, schemasDir, dataDir } = uniqueConfig();
  const run = streamtapOnTty(['run', file, '--mock-api', '--data-dir', dataDir, '--schemas', schemasDir], {
    STREAMTAP_LOG_LEVEL: 'warn',
  });
  assert.equal(run.code, 0, run.stdout);
  const screen = run.stdout;
  // The live block is redrawn in place: cursor up to its first line, clear to the end of the screen. How
  // many lines it has when redrawn (resources, then tables as the consumer reaches them) depends on how
  // far each side got, so any height counts; a block drawn once and never erased has none.
  // eslint-disable-next-line no-control-regex
  assert.match(screen, /\x1b\[[1-9]\d*F\x1b\[0J/, 'redraws in place');
  assert.match(screen, /events\s+pages\s+\d+\s+records\s+[\d,]+\s+[\d,]+ rec\/s\s+retries\s+0\s+[\d.]+s/);
  assert.match(screen, /ok\s+events\s+pages\s+250\s+records\s+5,000/, 'the last frame shows the finished resource');
  assert.match(
    screen,
    new RegExp(`${name}\\.events\\s+rows\\s+5,000\\s+[\\d,]+ msg/s\\s+lag 0 of [\\d,]+`),
    'the consumer line shows the lag drained from its peak',
  );
  assert.match(
    screen,
    /resource\s+status\s+pages\s+records\s+rejected\s+retries\s+records\/s\s+seconds/,
    'the summary table',
  );
  assert.match(screen, new RegExp(`${name}\\.events\\s+5000`));
  assert.doesNotMatch(screen, /\{"level":/, 'no JSON log lines on a terminal');

  const status = streamtap(['status', file, '--data-dir', dataDir, '--schemas', schemasDir, '--json']);
  assert.equal(status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout) as StatusJson;
  const events = report.resources.find((r) => r.resource === 'events');
  assert.equal(events?.lastRun?.outcome, 'success');
  assert.equal(events?.lastRun?.records, 5000);
  assert.equal(events?.lastRun?.pages, 250);
  assert.equal(events?.messages, '5000');
  assert.equal(events?.lag, '0');
  assert.equal(events?.rows, 5000);
  assert.equal(events?.deadLetters, '0', 'no dead-letter topic yet: none');
  assert.equal(events?.lastRun?.discardedRows, 0);
  assert.ok(report.resources.every((r) => r.lastRun?.outcome === 'success' && r.lag === '0' && (r.rows ?? 0) > 0));

  const table = streamtap(['status', file, '--data-dir', dataDir, '--schemas', schemasDir]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(
    table.stdout,
    /resource\s+last extraction \(UTC\)\s+outcome\s+records\s+end offsets\s+lag\s+dead letters\s+rows \(latest\)/,
  );
  assert.match(
    table.stdout,
    /events\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(\d+s ago\)\s+ok\s+5000\s+\d+\/\d+\/\d+\s+0\s+0\s+5000/,
  );
});

test('produce --every: a failing resource does not stop the others; JSON logs per page, metrics, readiness, status', async () => {
  // timezones points at a path the API does not have: it fails on every cycle, the others succeed.
  const { file, name, schemasDir } = uniqueConfig((c) => {
    const tz = c.resources.find((r) => r.name === 'timezones');
    if (tz) tz.endpoint.path = '/v1/no_such_list';
  });
  const producer = new Background(
    [
      'produce',
      file,
      '--mock-api',
      '--schemas',
      schemasDir,
      '--every',
      '1s',
      '--metrics-port',
      '0',
      '--metrics-host',
      '127.0.0.1',
    ],
    {
      STREAMTAP_LOG_LEVEL: 'info',
    },
  );
  const finishedCycles = (lines: Record<string, unknown>[]) =>
    lines.filter((l) => l.msg === 'extraction finished with failed resources');
  try {
    await producer.waitFor((lines) => finishedCycles(lines).length >= 2, 'two finished cycles');
    assert.deepEqual(finishedCycles(producer.lines)[0]?.failed, ['timezones']);
    assert.ok(producer.lines.some((l) => l.msg === 'next extraction scheduled'));
    const failure = producer.lines.find((l) => l.msg === 'resource failed' && l.resource === 'timezones');
    assert.ok(failure, 'the failure is logged with its resource');

    // One JSON line per page, carrying the progress facts; never one per record.
    const pages = producer.lines.filter((l) => l.msg === 'page' && l.resource === 'events');
    const firstCycle = pages.slice(0, 250);
    assert.deepEqual(
      firstCycle.map((l) => l.page),
      Array.from({ length: 250 }, (_, i) => i + 1),
    );
    for (const key of ['records', 'published', 'recordsPerSecond', 'retries', 'elapsedMs', 'pageRecords'])
      assert.equal(typeof firstCycle[0]?.[key], 'number', key);
    assert.equal(firstCycle[249]?.records, 5000);
    assert.ok(producer.lines.length < 5000, 'far fewer log lines than records');

    const base = producer.metricsUrl();
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const labels = { source: name };
    assert.ok(
      (sample(metrics, 'streamtap_extractions_total', { ...labels, resource: 'events', outcome: 'success' }) ?? 0) >= 2,
    );
    assert.ok(
      (sample(metrics, 'streamtap_extractions_total', { ...labels, resource: 'timezones', outcome: 'failure' }) ?? 0) >=
        2,
    );
    assert.equal(sample(metrics, 'streamtap_last_extraction_success', { ...labels, resource: 'timezones' }), 0);
    assert.equal(sample(metrics, 'streamtap_last_extraction_success', { ...labels, resource: 'events' }), 1);
    assert.ok((sample(metrics, 'streamtap_records_produced_total', { ...labels, resource: 'events' }) ?? 0) >= 10_000);
    assert.ok((sample(metrics, 'streamtap_pages_total', { ...labels, resource: 'events' }) ?? 0) >= 500);
    assert.ok(
      (sample(metrics, 'streamtap_http_requests_total', { ...labels, resource: 'events', status: '200' }) ?? 0) >= 500,
    );
    assert.ok(
      (sample(metrics, 'streamtap_http_requests_total', { ...labels, resource: 'timezones', status: '404' }) ?? 0) >= 2,
    );
    assert.ok((sample(metrics, 'streamtap_produced_bytes_total', { ...labels, resource: 'events' }) ?? 0) > 0);
    assert.equal(sample(metrics, 'streamtap_unknown_field_records_total', { ...labels, resource: 'events' }) ?? 0, 0);
    assert.ok(metrics.includes('streamtap_process_resident_memory_bytes'), "Node's process metrics");

    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { kafka: { ok: true } });
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  } finally {
    // SIGTERM: the cycle in flight finishes, then the process exits with the last cycle's code.
    assert.equal(await producer.stop(), 1);
  }

  const status = streamtap(['status', file, '--schemas', schemasDir, '--json', '--data-dir', join(schemasDir, 'none')]);
  assert.equal(status.code, 1, 'status exits 1 while a last extraction failed');
  const report = JSON.parse(status.stdout) as StatusJson;
  const tz = report.resources.find((r) => r.resource === 'timezones');
  assert.equal(tz?.lastRun?.outcome, 'failure');
  assert.match(tz?.lastRun?.error ?? '', /HTTP 404/);
  assert.equal(report.resources.find((r) => r.resource === 'events')?.lastRun?.outcome, 'success');
});

test('consume: metrics and lag per partition, readiness with ClickHouse, and sql/status through the running consumer', async () => {
  const { file, name, schemasDir, dataDir } = uniqueConfig();
  const produced = streamtap(['produce', file, '--mock-api', '--schemas', schemasDir]);
  assert.equal(produced.code, 0, produced.stderr);
  const total = 5000 + 25 + 47;

  const consumer = new Background(
    [
      'consume',
      file,
      '--schemas',
      schemasDir,
      '--data-dir',
      dataDir,
      '--metrics-port',
      '0',
      '--metrics-host',
      '127.0.0.1',
    ],
    {
      STREAMTAP_LOG_LEVEL: 'info',
    },
  );
  try {
    const inserted = (lines: Record<string, unknown>[]) =>
      lines.filter((l) => l.msg === 'batch inserted').reduce((n, l) => n + Number(l.batchRecords), 0);
    await consumer.waitFor((lines) => inserted(lines) >= total, `${total} records inserted`);
    const last = consumer.lines.filter((l) => l.msg === 'batch inserted').at(-1);
    assert.equal(typeof last?.lag, 'number');
    assert.equal(typeof last?.insertMs, 'number');

    // The embedded engine is this consumer's: sql and status go through it instead of failing on the lock.
    const sql = streamtap([
      'sql',
      `SELECT count() AS n FROM ${name}.events FINAL`,
      '--data-dir',
      dataDir,
      '--format',
      'json',
    ]);
    assert.equal(sql.code, 0, sql.stderr);
    assert.equal(Number((JSON.parse(sql.stdout.trim()) as { n: number | string }).n), 5000);
    const refused = streamtap(['sql', `DROP TABLE ${name}.events`, '--data-dir', dataDir]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /read-only queries only .* stop it to run this statement/);
    const twoStatements = streamtap(['sql', `SELECT 1; DROP TABLE ${name}.events`, '--data-dir', dataDir]);
    assert.equal(twoStatements.code, 2);
    const status = streamtap(['status', file, '--schemas', schemasDir, '--data-dir', dataDir, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as StatusJson;
    assert.match(report.clickhouse, /running consumer/);
    assert.equal(report.resources.find((r) => r.resource === 'events')?.rows, 5000);

    const base = consumer.metricsUrl();
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const labels = { source: name, topic: `${name}.events` };
    assert.equal(sample(metrics, 'streamtap_records_consumed_total', labels), 5000);
    assert.equal(sample(metrics, 'streamtap_rows_inserted_total', labels), 5000);
    assert.ok((sample(metrics, 'streamtap_insert_duration_seconds_count', labels) ?? 0) >= 1);
    assert.ok((sample(metrics, 'streamtap_insert_batch_rows_sum', labels) ?? 0) === 5000);
    for (const partition of ['0', '1', '2'])
      assert.equal(
        sample(metrics, 'streamtap_consumer_lag', { ...labels, partition }),
        0,
        `lag of partition ${partition}`,
      );
    assert.equal(sample(metrics, 'streamtap_dead_letters_total', { source: name }) ?? 0, 0);

    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, {
      kafka: { ok: true },
      clickhouse: { ok: true },
    });
    assert.equal(
      sample(await (await fetch(`${base}/metrics`)).text(), 'streamtap_dependency_up', { dependency: 'clickhouse' }),
      1,
    );
    // The query endpoint answers local clients with the advertised token only.
    assert.equal((await fetch(`${base}/query`, { method: 'POST', body: 'SELECT 1' })).status, 401);
  } finally {
    assert.equal(await consumer.stop(), 0);
  }
  assert.equal(
    existsSync(`${join(dataDir, 'clickhouse')}.endpoint.json`),
    false,
    'the advertisement is withdrawn on exit',
  );
  const direct = streamtap([
    'sql',
    `SELECT count() AS n FROM ${name}.events FINAL`,
    '--data-dir',
    dataDir,
    '--format',
    'tsv',
  ]);
  assert.equal(direct.code, 0, direct.stderr);
  assert.match(direct.stdout, /^n\n5000\n?$/);
});

test('secrets never reach the output: debug logs, errors, config print', async () => {
  const { file, schemasDir, dataDir } = uniqueConfig();
  const env = {
    API_KEY: SECRETS.apiKey,
    CLICKHOUSE_PASSWORD: SECRETS.clickhousePassword,
    KAFKA_SASL_PASSWORD: SECRETS.kafkaPassword,
    STREAMTAP_LOG_LEVEL: 'debug',
  };
  const accepting = await startMockApi({ token: SECRETS.apiKey, events: 300 });
  const refusing = await startMockApi({ token: 'other-token', events: 300 });
  try {
    // streamtap() asserts for every call that no secret appears in stdout or stderr.
    const ok = await streamtapAsync(['produce', file, '--schemas', schemasDir, '--base-url', accepting.url], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /"msg":"page"/, 'log lines were written');
    const denied = await streamtapAsync(['produce', file, '--schemas', schemasDir, '--base-url', refusing.url], env);
    assert.equal(denied.code, 1);
    assert.match(denied.stdout, /HTTP 401/);
  } finally {
    await accepting.close();
    await refusing.close();
  }

  const printed = streamtap(
    [
      'config',
      'print',
      file,
      '--data-dir',
      dataDir,
      '--kafka-sasl-mechanism',
      'scram-sha-256',
      '--kafka-sasl-username',
      'etl',
    ],
    env,
  );
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, /kafka\.sasl_password\s+KAFKA_SASL_PASSWORD\s+\*\*\*\s+env/);
  assert.match(printed.stdout, /clickhouse\.password\s+CLICKHOUSE_PASSWORD\s+\*\*\*\s+env/);
  assert.match(printed.stdout, /kafka\.sasl_mechanism\s+KAFKA_SASL_MECHANISM\s+scram-sha-256\s+flag/);
  assert.match(printed.stdout, /secret api_key \(client\.auth\.token\): \*\*\* \(from API_KEY\)/);

  const json = streamtap(['config', 'print', file, '--json'], env);
  assert.equal(json.code, 0, json.stderr);
  const config = JSON.parse(json.stdout) as { settings: { key: string; value: string | null; from: string }[] };
  assert.equal(config.settings.find((s) => s.key === 'clickhouse.password')?.value, '***');
});
