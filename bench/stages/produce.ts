// produce(): the real producer, REST → Avro → Kafka, into topics of a fresh source name.
import { produce } from '../../src/producers/produce.js';
import {
  applyHeapGrowingPercent,
  HEAP_GROWING_ENV,
  heapGrowingPercent,
  PRODUCER_HEAP_GROWING_PERCENT,
} from '../../src/cli/heap-growth.js';
import { benchKafka, benchLogger, benchSource } from '../lib/context.js';
import { checkCounts, measure, progress, total } from '../lib/harness.js';
import { probeProducers } from '../lib/instrument.js';
import type { StageParams, StageResult } from '../lib/protocol.js';

export async function runProduce(params: StageParams): Promise<StageResult> {
  // As `streamtap produce` sets it (src/cli/schedule.ts), so the stage measures what the command does.
  applyHeapGrowingPercent(heapGrowingPercent(process.env[HEAP_GROWING_ENV], PRODUCER_HEAP_GROWING_PERCENT));
  const logger = benchLogger();
  const kafka = benchKafka(logger);
  const probe = probeProducers(kafka);
  progress.snapshot = () => probe;
  const source = benchSource(params);
  return measure(params, async () => {
    const t0 = performance.now();
    const report = await produce({
      source,
      kafka,
      schemasDir: params.schemasDir,
      secrets: { env: { API_KEY: params.token } },
      logger,
      // BENCH_SENDER_THREAD=0: kafkajs on the producing thread, as before, for A/B runs
      senderThread: process.env.BENCH_SENDER_THREAD !== '0',
    });
    const t1 = performance.now();
    const failed = report.resources.filter((r) => !r.ok);
    if (failed.length > 0)
      throw new Error(
        `produce failed: ${failed.map((r) => `${r.resource}: ${r.error ?? `${r.rejected} rejected`}`).join('; ')}`,
      );
    const counts = Object.fromEntries(report.resources.map((r) => [r.resource, r.records]));
    checkCounts('produce', counts, params.expected);
    const avroBytes = report.resources.reduce((s, r) => s + r.bytes, 0);
    const records = total(counts);
    return {
      records,
      details: {
        counts,
        avroBytes,
        avroBytesPerRecord: Math.round(avroBytes / records),
        perResource: report.resources.map((r) => ({
          resource: r.resource,
          records: r.records,
          pages: r.pages,
          seconds: r.durationMs / 1000,
          retries: r.retries,
        })),
        // produce() start → first sendBatch: schemas, topic creation, connect, first page
        setupSeconds: probe.firstSendAt === null ? null : (probe.firstSendAt - t0) / 1000,
        // share of the wall time the publisher spent awaiting sendBatch (Kafka acks, kafkajs encoding)
        sendShare: probe.sendMs.sum / (t1 - t0),
        sendBatch: {
          messages: probe.sendMessages.toJSON(),
          bytes: probe.sendBytes.toJSON(),
          ms: probe.sendMs.toJSON(),
        },
        produceRequests: { ms: probe.produceRequestMs.toJSON() },
      },
    };
  });
}
