// Pure parts of operating streamtap: secret scrubbing in logs, metrics from pipeline events, progress
// lines, the schedule's ticks, the read-only check of the query endpoint, and the ops HTTP server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSummary, LiveProgress, ProgressLog, renderLines } from '../../src/cli/progress.js';
import { nextTick, schedule } from '../../src/cli/schedule.js';
import { createLogger, silentLogger } from '../../src/log.js';
import type { PageEvent } from '../../src/observability/events.js';
import { fanOut } from '../../src/observability/events.js';
import { Metrics } from '../../src/observability/metrics.js';
import { checkReadOnly, QueryRefusedError } from '../../src/observability/query-endpoint.js';
import { registerSecret, scrub } from '../../src/redact.js';
import { isLoopback, startOpsServer } from '../../src/observability/server.js';
import { Terminal, prettyLine } from '../../src/observability/terminal.js';

function capture(): { lines: string[]; write: (s: string) => void } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}

const page = (resource: string, n: number, published: number): PageEvent => ({
  resource,
  topic: `src.${resource}`,
  page: n,
  records: 20,
  bytes: 1000,
  status: 200,
  published: { records: published, rejected: 0, withExtra: 1, bytes: published * 10 },
});

test('a registered secret is scrubbed from every log line, wherever it hides; known keys are masked', () => {
  registerSecret('s3cr3t-token-value');
  const out = capture();
  const logger = createLogger('info', out);
  logger.info(
    { url: 'https://api/x?key=s3cr3t-token-value', password: 'plain-pw', nested: { token: 'abc' } },
    'calling with s3cr3t-token-value',
  );
  logger.error({ err: new Error('bad auth s3cr3t-token-value') }, 'failed');
  const text = out.lines.join('');
  assert.ok(!text.includes('s3cr3t-token-value'), text);
  assert.ok(!text.includes('plain-pw'));
  assert.match(text, /"password":"\*\*\*"/);
  assert.match(text, /"token":"\*\*\*"/);
  assert.equal(scrub('a "s3cr3t-token-value" b'), 'a "***" b');
  assert.equal(scrub('no secret here'), 'no secret here');
});

test('metrics count requests by status, retries, pages, records, bytes, dead letters, inserts and last outcomes', async () => {
  const metrics = new Metrics('src', {
    command: 'test',
    version: '0',
    defaultMetrics: false,
    lag: async () => [{ topic: 'src.events', partition: 0, lag: 7n }],
  });
  const o = metrics.observer();
  o.page?.(page('events', 1, 0));
  o.retry?.({ resource: 'events', attempt: 1, delayMs: 10, status: 503, code: 'HTTP_STATUS' });
  o.page?.(page('events', 2, 20));
  o.resourceFinished?.({
    resource: 'events',
    topic: 'src.events',
    ok: true,
    pages: 2,
    records: 40,
    rejected: 0,
    withExtra: 2,
    bytes: 400,
    discardedRows: 3,
    discardedValues: 5,
    retries: 1,
    durationMs: 2000,
  });
  const failure = Object.assign(new Error('HTTP 404'), { code: 'HTTP_STATUS', context: { status: 404 } });
  o.resourceFinished?.(
    {
      resource: 'tz',
      topic: 'src.tz',
      ok: false,
      pages: 0,
      records: 0,
      rejected: 0,
      withExtra: 0,
      bytes: 0,
      retries: 0,
      durationMs: 5,
      error: 'HTTP 404',
    },
    failure,
  );
  o.consumer?.({
    type: 'inserted',
    topic: 'src.events',
    partition: 0,
    firstOffset: '0',
    lastOffset: '39',
    records: 40,
    rows: 38,
    ms: 120,
  });
  o.consumer?.({ type: 'dead-lettered', topic: 'src.events', partition: 0, offsets: ['3', '4'] });
  o.consumer?.({ type: 'insert-failed', topic: 'src.events', partition: 0, attempt: 1, error: new Error('down') });
  const text = await metrics.text();
  const has = (line: string) => assert.ok(text.includes(line), `${line}\n---\n${text}`);
  has('streamtap_http_requests_total{source="src",resource="events",status="200"} 2');
  has('streamtap_http_requests_total{source="src",resource="events",status="503"} 1');
  has('streamtap_http_requests_total{source="src",resource="tz",status="404"} 1');
  has('streamtap_http_retries_total{source="src",resource="events",status="503"} 1');
  has('streamtap_pages_total{source="src",resource="events"} 2');
  has('streamtap_records_produced_total{source="src",resource="events"} 40');
  has('streamtap_produced_bytes_total{source="src",resource="events"} 400');
  has('streamtap_http_response_bytes_total{source="src",resource="events"} 2000');
  has('streamtap_unknown_field_records_total{source="src",resource="events"} 2');
  has('streamtap_schema_contract_discards_total{source="src",resource="events",kind="row"} 3');
  has('streamtap_schema_contract_discards_total{source="src",resource="events",kind="value"} 5');
  has('streamtap_dead_letters_total{source="src",topic="src.events",stage="produce"} 3');
  has('streamtap_extractions_total{source="src",resource="events",outcome="success"} 1');
  has('streamtap_extractions_total{source="src",resource="tz",outcome="failure"} 1');
  has('streamtap_last_extraction_success{source="src",resource="tz"} 0');
  has('streamtap_last_extraction_records{source="src",resource="events"} 40');
  has('streamtap_records_consumed_total{source="src",topic="src.events"} 40');
  has('streamtap_rows_inserted_total{source="src",topic="src.events"} 38');
  has('streamtap_insert_batch_rows_sum{source="src",topic="src.events"} 38');
  has('streamtap_insert_duration_seconds_count{source="src",topic="src.events"} 1');
  has('streamtap_insert_failures_total{source="src",topic="src.events"} 1');
  has('streamtap_dead_letters_total{source="src",topic="src.events",stage="consume"} 2');
  has('streamtap_consumer_lag{source="src",topic="src.events",partition="0"} 7');
  has('streamtap_info{source="src",command="test",version="0"} 1');
});

test('progress: live lines with pages, records, rate, retries, elapsed; lag draining; one JSON line per page', () => {
  let now = 1_000;
  const written: string[] = [];
  const term = new Terminal({
    isTTY: true,
    columns: 200,
    write: (s: string) => void written.push(s),
  } as unknown as NodeJS.WriteStream);
  const live = new LiveProgress(term, () => now, 60_000);
  live.resourceStarted({ resource: 'events' });
  live.page(page('events', 1, 0));
  live.retry({ resource: 'events', attempt: 1, delayMs: 5, code: 'HTTP_STATUS', status: 429 });
  now += 2_000;
  live.page(page('events', 2, 20));
  live.lag([{ topic: 'src.events', partition: 0, low: 0n, high: 100n, committed: undefined, lag: 100n }]);
  live.consumer({
    type: 'inserted',
    topic: 'src.events',
    partition: 0,
    firstOffset: '0',
    lastOffset: '59',
    records: 60,
    rows: 60,
    ms: 3,
  });
  const lines = renderLines(live.state, 0);
  assert.match(lines[0] ?? '', /\|\s+events\s+pages\s+2\s+records\s+40\s+20 rec\/s\s+retries\s+1\s+2\.0s/);
  assert.match(lines[1] ?? '', /load\s+src\.events\s+rows\s+60\s+.*lag 40 of 100\s+dlq 0/);
  live.resourceFinished({
    resource: 'events',
    topic: 'src.events',
    ok: false,
    pages: 2,
    records: 40,
    rejected: 0,
    withExtra: 0,
    bytes: 0,
    retries: 1,
    durationMs: 2000,
    error: 'HTTP 500',
  });
  live.stop();
  const screen = written.join('');
  assert.match(screen, /FAILED\s+events.*HTTP 500/);
  const frames = written.length;
  live.draw();
  assert.equal(written.length, frames, 'no redraw after stop');

  const out = capture();
  const log = new ProgressLog(createLogger('info', out));
  log.resourceStarted({ resource: 'events', topic: 'src.events', runId: 'r' });
  for (let i = 1; i <= 3; i++) log.page(page('events', i, (i - 1) * 20));
  const entries = out.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(entries.length, 3);
  assert.deepEqual(
    entries.map((e) => [e.msg, e.page, e.records]),
    [
      ['page', 1, 20],
      ['page', 2, 40],
      ['page', 3, 60],
    ],
  );
  for (const key of ['recordsPerSecond', 'retries', 'elapsedMs', 'published'])
    assert.equal(typeof entries[2]?.[key], 'number');

  const summary = formatSummary([
    {
      resource: 'events',
      topic: 't',
      ok: true,
      pages: 2,
      records: 40,
      rejected: 0,
      withExtra: 0,
      bytes: 0,
      retries: 1,
      durationMs: 2000,
    },
    {
      resource: 'links',
      topic: 'src.links',
      ok: true,
      pages: 1,
      records: 8,
      rejected: 0,
      withExtra: 0,
      bytes: 0,
      discardedRows: 2,
      discardedValues: 3,
      retries: 0,
      durationMs: 1000,
    },
  ]);
  assert.match(summary, /events\s+ok\s+2\s+40\s+0\s+1\s+20\s+2\.0/);
  assert.match(
    summary,
    /^links: schema_contract: 2 records sent to src\.links\.dlq \(discard_row\), 3 values dropped \(discard_value\)$/m,
  );
  assert.doesNotMatch(summary, /^events: schema_contract/m);
});

test('terminal: log lines print above the live block; pretty lines drop the noise', () => {
  const written: string[] = [];
  const term = new Terminal({
    isTTY: true,
    columns: 80,
    write: (s: string) => void written.push(s),
  } as unknown as NodeJS.WriteStream);
  term.setLive(['a', 'b']);
  term.print('hello');
  assert.equal(written.join(''), 'a\nb\n\x1b[2F\x1b[0Jhello\na\nb\n');
  term.release();
  const line = prettyLine(
    JSON.stringify({
      level: 40,
      time: 0,
      app: 'streamtap',
      pid: 1,
      msg: 'retrying request',
      resource: 'events',
      attempt: 2,
    }),
    false,
  );
  assert.match(line, /^\d\d:\d\d:\d\d WARN {2}retrying request {2}resource=events attempt=2$/);
});

test('fanOut: a throwing observer does not stop the others', () => {
  const seen: number[] = [];
  const errors: unknown[] = [];
  const o = fanOut(
    [
      {
        page: () => {
          throw new Error('boom');
        },
      },
      undefined,
      { page: (e) => void seen.push(e.page) },
    ],
    (e) => errors.push(e),
  );
  o.page?.(page('x', 4, 0));
  assert.deepEqual(seen, [4]);
  assert.equal(errors.length, 1);
});

test('schedule: fixed rate from each start, overruns skip missed ticks, a failed cycle does not stop it, a signal does', async () => {
  assert.deepEqual(nextTick(0, 1000, 400), { at: 1000, skipped: 0 });
  assert.deepEqual(nextTick(0, 1000, 2500), { at: 3000, skipped: 2 });
  let now = 0;
  const sleeps: number[] = [];
  const abort = new AbortController();
  const outcomes = [true, false, true];
  const code = await schedule(
    1000,
    abort.signal,
    silentLogger,
    async (n) => {
      now += n === 2 ? 1500 : 200;
      if (n === 3) abort.abort();
      return outcomes[n - 1] as boolean;
    },
    { now: () => now, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) },
  );
  assert.equal(code, 0, 'the exit code is that of the last cycle');
  assert.deepEqual(sleeps, [800, 500]);
  assert.equal(
    await schedule(undefined, undefined, silentLogger, async () => false),
    1,
    'once: exit 1 when a resource failed',
  );
});

test('the query endpoint accepts single read statements only', () => {
  for (const ok of [
    'SELECT 1',
    '  with x as (select 1) select * from x;',
    '-- note\nSHOW TABLES',
    '/* c */ DESCRIBE t',
    'EXPLAIN SELECT 1',
  ]) {
    assert.doesNotThrow(() => checkReadOnly(ok), ok);
  }
  for (const bad of [
    'DROP TABLE t',
    'INSERT INTO t VALUES (1)',
    'SELECT 1; DROP TABLE t',
    'ALTER TABLE t DELETE WHERE 1',
    'SYSTEM STOP MERGES',
    '/* SELECT */ TRUNCATE t',
    'SET readonly = 0',
  ]) {
    assert.throws(() => checkReadOnly(bad), QueryRefusedError, bad);
  }
  assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('::ffff:127.0.0.1'));
  assert.ok(!isLoopback('10.0.0.5') && !isLoopback('::ffff:192.168.1.2'));
});

test('ops server: /readyz and /healthz reflect the checks; /healthz fails only after a long outage; /query needs the token', async () => {
  let kafkaUp = true;
  let now = 0;
  const server = await startOpsServer({
    port: 0,
    host: '127.0.0.1',
    checks: {
      kafka: async () => {
        if (!kafkaUp) throw new Error('connection refused');
      },
    },
    query: { token: 't0ken', run: async (sql) => ({ names: ['q'], rows: [[sql]] }) },
    logger: silentLogger,
    unhealthyAfterMs: 60_000,
    now: () => now,
  });
  try {
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    kafkaUp = false;
    const down = await fetch(`${server.url}/readyz`);
    assert.equal(down.status, 503);
    assert.deepEqual(await down.json(), {
      status: 'not ready',
      checks: { kafka: { ok: false, error: 'connection refused' } },
    });
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'a short outage is not a reason to restart');
    now += 61_000;
    assert.equal((await fetch(`${server.url}/healthz`)).status, 503);
    kafkaUp = true;
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${server.url}/metrics`)).status, 404, 'no metrics without --metrics-port');

    const query = (body: string, token?: string) =>
      fetch(`${server.url}/query`, {
        method: 'POST',
        body,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    assert.equal((await query('SELECT 1')).status, 401);
    assert.equal((await query('SELECT 1', 'wrong')).status, 401);
    const ok = await query('SELECT 42', 't0ken');
    assert.deepEqual(await ok.json(), { names: ['q'], rows: [['SELECT 42']] });
    const refused = await query('DROP TABLE x', 't0ken');
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { refused: boolean }).refused, true);
  } finally {
    await server.close();
  }
});
