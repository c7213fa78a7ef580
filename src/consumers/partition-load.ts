// One partition's part of a fetched batch: cut into chunks, each read (as bytes where it can) or decoded, reduced to the latest record
// per key, inserted with a token naming its offsets, and only then committed. What cannot be loaded
// (undecodable, no primary key, rejected by ClickHouse) goes to the dead-letter topic with its reason.
import type { EachBatchPayload, KafkaMessage, Message } from 'kafkajs';
import type { SchemaDecoder } from '../avro/schema-store.js';
import { deadLetterTopic } from '../contracts/topics.js';
import { splitBatch } from './batch-policy.js';
import { CONFLUENT_HEADER_LENGTH, CONFLUENT_MAGIC } from '../avro/confluent.js';
import { SINGLE_OBJECT_HEADER_LENGTH } from '../avro/single-object.js';
import { objectContainer } from './avro-container.js';
import { insertWithRetry, sendRows } from './bisecting-insert.js';
import type { ByteWriter } from './byte-lane.js';
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
 * Reads a chunk, inserts the latest row per key, dead-letters what cannot be loaded.
 * Records whose writer schema the byte path takes (byte-lane.ts) are read for their key and `_version`
 * only and inserted as their Avro bytes; the rest are decoded and mapped to rows. When ClickHouse rejects
 * a byte block, its records are decoded after all, so the bad ones are found and dead-lettered as before.
 * False when the chunk was abandoned (stopping, or the partition was revoked): nothing may be committed.
 */
async function loadChunk(
  payload: EachBatchPayload,
  plan: TopicPlan,
  chunk: readonly KafkaMessage[],
  ctx: LoadContext,
): Promise<boolean> {
  const { topic, partition } = payload.batch;
  const keyed: Keyed<Pending | AvroRecord>[] = [];
  const dead: Message[] = [];
  const deadOffsets: string[] = [];
  const origin = (message: KafkaMessage) => ({ topic, partition, offset: message.offset });
  const toDead = (message: KafkaMessage, error: Error) => {
    dead.push(deadLetter(message, origin(message), error));
    deadOffsets.push(message.offset);
  };
  if (!(await plan.evolution.prepare(chunk, ctx.decoder, () => payload.pause()))) return false;
  const bytes = ctx.sink.acceptsAvro;
  for (const message of chunk) {
    try {
      const read = bytes ? readAvroRecord(message, plan, ctx.decoder) : undefined;
      if (read) {
        keyed.push(read);
        continue;
      }
      const { codec, value } = decodeRecord(message, plan, ctx.decoder);
      const row = ctx.sink.encode(plan.evolution.toRow(codec, value));
      keyed.push({ row: { row, message }, key: plan.keyOf(value), version: BigInt(value._version as number) });
    } catch (error) {
      toDead(message, error as Error);
    }
  }
  const first = chunk[0] as KafkaMessage;
  const last = chunk[chunk.length - 1] as KafkaMessage;
  // The first message's timestamp tells apart a topic deleted and created again (its offsets restart at 0).
  const token = `${topic}-${partition}-${first.offset}-${last.offset}-${first.timestamp}`;
  const latest = latestPerKey(keyed);
  // One insert per writer schema on the byte path, one for decoded rows; a chunk of one kind (nearly all)
  // keeps the chunk's token as it is, several get it with their index in this deterministic order.
  const groups = groupByLane(latest);
  const started = Date.now();
  let rows = 0;
  let inserts = 0;
  for (const [i, group] of groups.entries()) {
    const groupToken = groups.length === 1 ? token : `${token}/${i}`;
    const inserted =
      group.lane === undefined
        ? await insertRows(payload, plan, group.items as Pending[], groupToken, ctx, toDead)
        : await insertAvro(payload, plan, group.lane, group.items as AvroRecord[], groupToken, ctx, toDead);
    if (inserted === undefined) return false;
    rows += inserted;
    inserts++;
  }
  const ms = Date.now() - started;
  if (dead.length > 0) {
    await ctx.dlqProducer.send({ topic: deadLetterTopic(topic), messages: dead, acks: -1 });
    ctx.logger.warn(
      { topic, partition, count: dead.length, dlq: deadLetterTopic(topic) },
      'messages that cannot be loaded were sent to the dead-letter topic',
    );
    ctx.emit({ type: 'dead-lettered', topic, partition, offsets: deadOffsets });
  }
  plan.report.records += chunk.length;
  plan.report.rows += rows;
  plan.report.deadLetters += dead.length;
  if (inserts > 0) plan.report.inserts++;
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

/** A record on the byte path: its body (the message without its framing) and the writer's lane. */
interface AvroRecord {
  readonly body: Buffer;
  readonly message: KafkaMessage;
  readonly lane: ByteWriter;
}

type ToDead = (message: KafkaMessage, error: Error) => void;

function groupByLane(
  items: readonly (Pending | AvroRecord)[],
): { lane: ByteWriter | undefined; items: (Pending | AvroRecord)[] }[] {
  const groups = new Map<ByteWriter | undefined, (Pending | AvroRecord)[]>();
  for (const item of items) {
    const lane = 'lane' in item ? item.lane : undefined;
    let group = groups.get(lane);
    if (!group) groups.set(lane, (group = []));
    group.push(item);
  }
  return [...groups].map(([lane, list]) => ({ lane, items: list }));
}

/** Inserts decoded rows, bisecting a rejected insert; returns the rows stored, undefined when abandoned. */
async function insertRows(
  payload: EachBatchPayload,
  plan: TopicPlan,
  items: readonly Pending[],
  token: string,
  ctx: LoadContext,
  toDead: ToDead,
): Promise<number | undefined> {
  const rejected = await insertWithRetry(payload, plan, items, token, ctx, sendRows(plan, ctx));
  if (rejected === undefined) return undefined;
  for (const { item, error } of rejected)
    toDead(item.message, new PoisonMessageError('CLICKHOUSE_REJECTED', error.message));
  return items.length - rejected.length;
}

/**
 * Inserts byte-path records of one writer as one Avro object container. When ClickHouse rejects it, the
 * records are decoded and inserted as rows (token `<token>/decoded`), which isolates the bad ones.
 */
async function insertAvro(
  payload: EachBatchPayload,
  plan: TopicPlan,
  lane: ByteWriter,
  items: readonly AvroRecord[],
  token: string,
  ctx: LoadContext,
  toDead: ToDead,
): Promise<number | undefined> {
  const send = (part: readonly AvroRecord[], partToken: string) =>
    ctx.sink.insertAvro(plan.spec, {
      columns: lane.columns,
      targets: lane.targets,
      body: objectContainer(
        lane.header,
        part.map((r) => r.body),
      ),
      records: part.length,
      dedupToken: partToken,
    });
  const rejected = await insertWithRetry(payload, plan, items, token, ctx, send, false);
  if (rejected === undefined) return undefined;
  if (rejected.length === 0) return items.length;
  ctx.logger.warn(
    { topic: plan.topic, partition: payload.batch.partition, records: items.length, err: rejected[0]?.error },
    'ClickHouse rejected an Avro block; decoding its records to find the bad ones',
  );
  const rows: Pending[] = [];
  for (const { message } of items) {
    try {
      const { codec, value } = decodeRecord(message, plan, ctx.decoder);
      rows.push({ row: ctx.sink.encode(plan.evolution.toRow(codec, value)), message });
    } catch (error) {
      toDead(message, error as Error);
    }
  }
  return insertRows(payload, plan, rows, `${token}/decoded`, ctx, toDead);
}

/**
 * A message whose writer schema takes the byte path, read for its key and `_version` only; undefined when
 * it must be decoded instead (no byte path for its writer, a timestamp beyond DateTime64's range, or a body
 * the key reader cannot read: decoding then names what is wrong with it). Throws the poison error of a
 * record without its primary key.
 */
function readAvroRecord(message: KafkaMessage, plan: TopicPlan, decoder: SchemaDecoder): Keyed<AvroRecord> | undefined {
  const value = message.value;
  if (!value || value.length === 0) return undefined;
  const writer = decoder.writerOf(value);
  if (!writer || writer.resource !== plan.codec.resource) return undefined;
  const lane = plan.evolution.bytesFor(writer);
  if (!lane) return undefined;
  // writerOf knows the framing: a Confluent message starts with its zero magic byte, a single-object one with C3 01.
  const body = value.subarray(value[0] === CONFLUENT_MAGIC ? CONFLUENT_HEADER_LENGTH : SINGLE_OBJECT_HEADER_LENGTH);
  let fields: Record<string, unknown>;
  try {
    fields = lane.readKey(body);
  } catch {
    return undefined;
  }
  if (!lane.inRange(fields)) return undefined;
  checkPrimaryKey(fields, plan);
  return { row: { body, message, lane }, key: plan.keyOf(fields), version: BigInt(fields._version as number) };
}

function checkPrimaryKey(value: Record<string, unknown>, plan: TopicPlan): void {
  for (const key of plan.keyFields) {
    if (value[key] === null || value[key] === undefined || value[key] === '') {
      throw new PoisonMessageError('MISSING_PRIMARY_KEY', `record has no primary key "${key}"`);
    }
  }
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
  checkPrimaryKey(decoded.value, plan);
  return decoded;
}
