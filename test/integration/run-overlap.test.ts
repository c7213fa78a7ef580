// `streamtap run` loads while it extracts: the consumer starts beside the producer and reads the end
// offsets it must reach only once the producer is done. Real Kafka, real ClickHouse, stand-in API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { produceAndConsume, runConsume, runProduce, tableCounts } from '../../src/cli/commands.js';
import type { Context } from '../../src/cli/context.js';
import type { ConsumerEvent } from '../../src/observability/events.js';
import { startMockApi, type MockApi } from '../../src/mock-api/index.js';
import { closeSharedClickHouse, seedContext, sharedClickHouse } from '../support/pipeline.js';

const TOKEN = 'overlap-token';
let api: MockApi;

before(async () => {
  api = await startMockApi({ token: TOKEN, events: 1200, links: 10 });
});
after(async () => {
  await api.close();
  await closeSharedClickHouse();
});

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

async function counts(ctx: Context): Promise<Record<string, number>> {
  const ch = await sharedClickHouse();
  return Object.fromEntries((await tableCounts(ctx, ch)).map((c) => [c.table.split('.')[1], c.rows]));
}

const expected = (): Record<string, number> => ({
  events: api.records('events').length,
  scheduling_links: api.records('links').length,
  timezones: api.records('time_zones').length,
});

/** Resolves once the consumer has committed `offset` on every partition of `topic` together (sum of next offsets). */
function committedUpTo(
  topic: string,
  total: number,
  events: ConsumerEvent[],
  listeners: (() => void)[],
): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      const next = new Map<number, number>();
      for (const e of events)
        if (e.type === 'committed' && e.topic === topic)
          next.set(e.partition, Math.max(next.get(e.partition) ?? 0, Number(e.offset)));
      if ([...next.values()].reduce((a, b) => a + b, 0) >= total) resolve();
    };
    listeners.push(check);
    check();
  });
}

test('a consumer beside a producer stops only after it has everything written before the producer finished', async () => {
  api.update({ revision: 1, events: 1200, links: 10 });
  const base = seedContext(api.url, TOKEN, { limit: 100 });
  const events: ConsumerEvent[] = [];
  const listeners: (() => void)[] = [];
  const ctx: Context = { ...base, observer: { consumer: (e) => (events.push(e), listeners.forEach((l) => l())) } };
  const ch = await sharedClickHouse();

  // A first extraction is on the topics before the consumer starts.
  assert.equal((await runProduce(ctx)).ok, true);
  const producerDone = deferred();
  let returned = false;
  const consuming = runConsume({
    context: ctx,
    clickhouse: ch,
    until: 'caught-up',
    catchUpAfter: producerDone.promise,
  }).finally(() => (returned = true));

  // It catches up with the first extraction: without catchUpAfter it would stop here.
  await committedUpTo(`${ctx.source.name}.events`, 1200, events, listeners);
  // The producer goes on: a second extraction with more records.
  api.update({ revision: 2, events: 1500, links: 12 });
  assert.equal((await runProduce(ctx)).ok, true);
  assert.equal(returned, false, 'the consumer waits for the producer to finish before it aims at the end offsets');
  producerDone.resolve();
  const report = await consuming;

  assert.deepEqual(await counts(ctx), expected());
  const loaded = report.tables.find((t) => t.table.endsWith('.events'));
  assert.equal(loaded?.records, 1200 + 1500, 'both extractions were consumed, every message once');
});

test('an extraction that fails half-way: what it wrote is loaded, then its error is what run reports', async () => {
  api.update({ revision: 3, events: 1600, links: 12 });
  const ctx = seedContext(api.url, TOKEN, { limit: 100 });
  const ch = await sharedClickHouse();
  const failure = new Error('the source went away after the first extraction');
  await assert.rejects(
    produceAndConsume(ctx, ch, async () => {
      await runProduce(ctx);
      throw failure;
    }),
    (error) => error === failure,
  );
  assert.deepEqual(await counts(ctx), expected(), 'every record written before the failure is in ClickHouse');
});
