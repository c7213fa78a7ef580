// End to end, as `streamtap run` does it: produce every resource once with the consumer loading beside
// it until caught up, then count the rows through FINAL. The clock runs from the first request to the
// last row visible (opening the embedded engine included, as `run` opens it before its first request).
import { applyHeapGrowingPercent, HEAP_GROWING_ENV, heapGrowingPercent } from '../../src/cli/heap-growth.js';
import { openClickHouse } from '../../src/clickhouse/client.js';
import { produceAndConsume, runProduce, tableCounts } from '../../src/cli/commands.js';
import { runProduceOnThread } from '../../src/cli/producer-thread.js';
import { benchContext, benchKafka, benchLogger } from '../lib/context.js';
import { checkCounts, measure, progress, total } from '../lib/harness.js';
import { probeConsumers, probeProducers } from '../lib/instrument.js';
import type { StageParams, StageResult } from '../lib/protocol.js';

export async function runEndToEnd(params: StageParams): Promise<StageResult> {
  // As the command sets it (V8's own factor unless STREAMTAP_HEAP_GROWING_PERCENT says otherwise).
  applyHeapGrowingPercent(heapGrowingPercent(process.env[HEAP_GROWING_ENV], 0));
  const logger = benchLogger();
  const kafka = benchKafka(logger);
  const producerProbe = probeProducers(kafka);
  const consumerProbe = probeConsumers(kafka);
  const ctx = benchContext(params, logger, kafka);
  progress.snapshot = () => ({ producer: producerProbe, consumer: consumerProbe });
  return measure(params, async () => {
    const t0 = performance.now();
    const ch = await openClickHouse(ctx.clickhouse);
    try {
      const t1 = performance.now();
      let producedAt = t1;
      // As `run` does: the producer on its own thread (BENCH_PRODUCER_THREAD=0: on this one, as before).
      const producing = process.env.BENCH_PRODUCER_THREAD === '0' ? runProduce : runProduceOnThread;
      const { produced } = await produceAndConsume(ctx, ch, () =>
        producing(ctx).finally(() => (producedAt = performance.now())),
      );
      if (!produced.ok)
        throw new Error(`e2e produce failed: ${produced.resources.map((r) => r.error ?? '').join('; ')}`);
      const t3 = performance.now();
      const counts = Object.fromEntries(
        (await tableCounts(ctx, ch)).map((c) => [c.table.slice(ctx.source.name.length + 1), c.rows]),
      );
      const t4 = performance.now();
      checkCounts('e2e (FINAL)', counts, params.expected);
      return {
        records: total(counts),
        details: {
          counts,
          clickhouseOpenSeconds: (t1 - t0) / 1000,
          // both start at t1; the consumer finishes after the producer by catchUpSeconds
          produceSeconds: (producedAt - t1) / 1000,
          produceAndConsumeSeconds: (t3 - t1) / 1000,
          catchUpSeconds: (t3 - producedAt) / 1000,
          finalCountSeconds: (t4 - t3) / 1000,
          sendBatch: producerProbe.sendMessages.toJSON(),
          consumerBatches: consumerProbe.batchMessages.toJSON(),
        },
      };
    } finally {
      await ch.close();
    }
  });
}
