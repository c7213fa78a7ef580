// `streamtap run`'s producer on a thread of its own (src/cli/producer-thread.ts), on the real broker with
// the stand-in API: the report, observer events and log lines come back to the starting thread, a failure
// on the thread comes back with its code (so the CLI's exit code), and no thread outlives the call.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { withStandIn, type StandIn } from '../../src/cli/commands.js';
import { createContext } from '../../src/cli/context.js';
import { runProduceOnThread } from '../../src/cli/producer-thread.js';
import { classifyFailure, errorCode, ErrorCode } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { ResourceResult } from '../../src/observability/events.js';
import { brokers, uniqueSource, withEveryEvent } from '../support/pipeline.js';

const standIns: StandIn[] = [];
after(() => Promise.all(standIns.map((s) => s.api.close())));

// Every worker thread this process starts, and whether it has exited.
const workers = new Map<Worker, boolean>();
process.on('worker', (worker: Worker) => {
  workers.set(worker, false);
  worker.once('exit', () => workers.set(worker, true));
});

async function seedContext() {
  const { name, schemasDir } = uniqueSource();
  const config = withEveryEvent(
    JSON.parse(readFileSync('pipelines/savvycal.json', 'utf8')) as Parameters<typeof withEveryEvent>[0],
  );
  const file = join(mkdtempSync(join(tmpdir(), 'streamtap-thread-')), `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, ...config }));
  const env = { KAFKA_BROKERS: brokers, STREAMTAP_LOG_LEVEL: 'warn' };
  return createContext(file, { schemas: schemasDir }, env, { logger: silentLogger });
}

test('the producer thread publishes every record and reports back; its threads are gone when it returns', async () => {
  const standIn = await withStandIn(await seedContext(), { events: 300 });
  standIns.push(standIn);
  const started: string[] = [];
  const finished: ResourceResult[] = [];
  let pages = 0;
  const ctx = {
    ...standIn.context,
    observer: {
      resourceStarted: (e: { resource: string }) => started.push(e.resource),
      page: () => pages++,
      resourceFinished: (r: ResourceResult) => finished.push(r),
    },
  };
  const report = await runProduceOnThread(ctx);
  assert.equal(report.ok, true, JSON.stringify(report.resources));
  assert.deepEqual(Object.fromEntries(report.resources.map((r) => [r.resource, r.records])), {
    events: 300,
    scheduling_links: 25,
    timezones: 47,
  });
  assert.deepEqual(started.sort(), ['events', 'scheduling_links', 'timezones']);
  assert.deepEqual(finished.map((r) => r.resource).sort(), ['events', 'scheduling_links', 'timezones']);
  assert.ok(pages >= 3, `page events reach the starting thread (${pages})`);
  assert.ok(workers.size >= 1, 'the producer ran on a worker thread');
  assert.deepEqual(
    [...workers.values()].filter((exited) => !exited),
    [],
    'no thread left running',
  );
});

test('a failure on the producer thread comes back with its code (exit 2 for a missing secret), leaving no thread', async () => {
  const ctx = await seedContext();
  const before = workers.size;
  // No stand-in and no API key: the producer refuses before any request.
  await assert.rejects(runProduceOnThread(ctx), (error: Error) => {
    assert.equal(errorCode(error), ErrorCode.SECRET_MISSING);
    assert.equal(classifyFailure(error).exitCode, 2);
    assert.match(error.message, /secret "api_key" is not set/);
    return true;
  });
  assert.ok(workers.size > before, 'the failure came from a worker thread');
  assert.deepEqual(
    [...workers.values()].filter((exited) => !exited),
    [],
    'no thread left running',
  );
});
