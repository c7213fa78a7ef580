// One partition's part of a fetched batch: cut into chunks, each decoded, reduced to the latest record
// per key, inserted with a token naming its offsets, and only then committed. What cannot be loaded
// (undecodable, no primary key, rejected by ClickHouse) goes to the dead-letter topic with its reason.
import type { EachBatchPayload, KafkaMessage, Message } from 'kafkajs';
import type { SchemaDecoder } from '../avro/schema-store.js';
import { deadLetterTopic } from '../contracts/topics.js';
import { splitBatch } from './batch-policy.js';
import { insertWithRetry } from './bisecting-insert.js';
import { deadLetter, PoisonMessageError } from './dead-letter.js';
import { latestPerKey, type Keyed } from './latest.js';
import { commitOffset } from './offset-commit.js';
import type { LoadContext, Pending, TopicPlan } from './topic-plan.js';

/** One partition's fetch: chunk by chunk, insert then commit; stop between chunks when stopping or revoked. */
export async function loadPartitionBatch(
  payload: EachBatchPayload,
  plan: TopicPlan,
  ctx: LoadContext,
  committed: (partition: number, next: bigint) => void,
): Promise<void> {
  const { batch } = payload;
  for (const chunk of splitBatch(batch.messages, ctx.policy)) {
    if (!payload.isRunning() || payload.isStale() || ctx.stopping.aborted) return;
    if (!(await loadChunk(payload, plan, chunk, ctx))) return;
    const last = (chunk[chunk.length - 1] as KafkaMessage).offset;
    payload.resolveOffset(last);
    const next = BigInt(last) + 1n;
    await commitOffset(payload, next);
    ctx.emit({ type: 'committed', topic: batch.topic, partition: batch.partition, offset: next.toString() });
    committed(batch.partition, next);
    await payload.heartbeat();
  }
}

/**
 * Decodes a chunk, inserts the latest row per key, dead-letters what cannot be loaded.
 * False when the chunk was abandoned (stopping, or the partition was revoked): nothing may be committed.
 */
async function loadChunk(
  payload: EachBatchPayload,
  plan: TopicPlan,
  chunk: readonly KafkaMessage[],
  ctx: LoadContext,
): Promise<boolean> {
  const { topic, partition } = payload.batch;
  const keyed: Keyed<Pending>[] = [];
  const dead: Message[] = [];
  const deadOffsets: string[] = [];
  const origin = (message: KafkaMessage) => ({ topic, partition, offset: message.offset });
  if (!(await plan.evolution.prepare(chunk, ctx.decoder, () => payload.pause()))) return false;
  for (const message of chunk) {
    try {
      const { codec, value } = decodeRecord(message, plan, ctx.decoder);
      const row = ctx.sink.encode(plan.evolution.toRow(codec, value));
      keyed.push({ row: { row, message }, key: plan.keyOf(value), version: BigInt(value._version as number) });
    } catch (error) {
      dead.push(deadLetter(message, origin(message), error as Error));
      deadOffsets.push(message.offset);
    }
  }
  const first = chunk[0] as KafkaMessage;
  const last = chunk[chunk.length - 1] as KafkaMessage;
  // The first message's timestamp tells apart a topic deleted and created again (its offsets restart at 0).
  const token = `${topic}-${partition}-${first.offset}-${last.offset}-${first.timestamp}`;
  const latest = latestPerKey(keyed);
  const started = Date.now();
  const rejected = await insertWithRetry(payload, plan, latest, token, ctx);
  if (rejected === undefined) return false;
  const ms = Date.now() - started;
  for (const { item, error } of rejected) {
    dead.push(
      deadLetter(item.message, origin(item.message), new PoisonMessageError('CLICKHOUSE_REJECTED', error.message)),
    );
    deadOffsets.push(item.message.offset);
  }
  if (dead.length > 0) {
    await ctx.dlqProducer.send({ topic: deadLetterTopic(topic), messages: dead, acks: -1 });
    ctx.logger.warn(
      { topic, partition, count: dead.length, dlq: deadLetterTopic(topic) },
      'messages that cannot be loaded were sent to the dead-letter topic',
    );
    ctx.emit({ type: 'dead-lettered', topic, partition, offsets: deadOffsets });
  }
  const rows = latest.length - rejected.length;
  plan.report.records += chunk.length;
  plan.report.rows += rows;
  plan.report.deadLetters += dead.length;
  if (latest.length > 0) plan.report.inserts++;
  ctx.emit({
    type: 'inserted',
    topic,
    partition,
    firstOffset: first.offset,
    lastOffset: last.offset,
    records: chunk.length,
    rows,
    ms,
  });
  return true;
}

function decodeRecord(
  message: KafkaMessage,
  plan: TopicPlan,
  decoder: SchemaDecoder,
): ReturnType<SchemaDecoder['decode']> {
  if (!message.value || message.value.length === 0)
    throw new PoisonMessageError('EMPTY_MESSAGE', 'message has no value');
  let decoded: ReturnType<SchemaDecoder['decode']>;
  try {
    decoded = decoder.decode(message.value);
  } catch (error) {
    if ((error as { code?: string }).code) throw error;
    throw new PoisonMessageError('AVRO_DECODE', `cannot decode the Avro body: ${(error as Error).message}`);
  }
  if (decoded.codec.resource !== plan.codec.resource) {
    throw new PoisonMessageError(
      'SCHEMA_MISMATCH',
      `message is a ${decoded.codec.resource} record, but ${plan.topic} holds ${plan.resource} records`,
    );
  }
  const value = decoded.value;
  for (const key of plan.keyFields) {
    if (value[key] === null || value[key] === undefined || value[key] === '') {
      throw new PoisonMessageError('MISSING_PRIMARY_KEY', `record has no primary key "${key}"`);
    }
  }
  return decoded;
}
