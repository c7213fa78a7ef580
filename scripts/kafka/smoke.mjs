#!/usr/bin/env node
// Smoke test of a Kafka broker with the project's kafkajs client.
//   node scripts/kafka/smoke.mjs            (KAFKA_BROKERS, default localhost:9092)
// Checks: createTopics (3 partitions) + metadata, idempotent producer (acks -1,
// keys + headers), consumer group with eachBatch + explicit commits, fetchOffsets,
// listTopics, deleteTopics; then extras (groups admin, transactions) that are
// reported but do not fail the run. Exit 0 only when every essential step passed.
import { Kafka, logLevel, Partitioners } from 'kafkajs';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const COUNT = Number(process.env.SMOKE_COUNT ?? 1000);
const run = `${Date.now()}-${process.pid}`;
const topic = `streamtap-smoke-${run}`;
const groupId = `streamtap-smoke-${run}`;

const kafkajsLogs = [];
const logCreator =
  () =>
  ({ namespace, level, log }) => {
    const { message, ...extra } = log;
    const levelName = Object.keys(logLevel).find((k) => logLevel[k] === level) ?? level;
    const line = `[kafkajs ${levelName}] ${namespace}: ${message} ${JSON.stringify(extra)}`;
    kafkajsLogs.push(line);
    console.error(line);
  };
const kafka = new Kafka({ clientId: 'streamtap-smoke', brokers, logLevel: logLevel.WARN, logCreator });

const results = [];
async function step(name, fn, { essential = true } = {}) {
  const t0 = Date.now();
  try {
    const detail = await fn();
    results.push({ name, ok: true, essential, ms: Date.now() - t0, detail });
    console.log(`PASS ${name} (${Date.now() - t0} ms)${detail ? ` - ${detail}` : ''}`);
  } catch (err) {
    results.push({ name, ok: false, essential, ms: Date.now() - t0, detail: String(err?.stack ?? err) });
    console.log(`${essential ? 'FAIL' : 'WARN'} ${name} (${Date.now() - t0} ms) - ${err?.name}: ${err?.message}`);
    if (essential) throw err;
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const admin = kafka.admin();
const producer = kafka.producer({
  idempotent: true,
  maxInFlightRequests: 1,
  createPartitioner: Partitioners.DefaultPartitioner,
});
// maxWaitTimeInMs: kafkajs waits for the in-flight fetch on disconnect (default 5 s)
const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 500 });
let consumerRunning = false;

try {
  await step('admin connect', () => admin.connect());
  await step('describeCluster', async () => {
    const c = await admin.describeCluster();
    return `clusterId=${c.clusterId} controller=${c.controller} brokers=${c.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(',')}`;
  });
  await step('createTopics (3 partitions)', async () => {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    if (!created) throw new Error('createTopics returned false (topic already existed?)');
    const md = await until('topic metadata with 3 led partitions', async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const ps = topics[0]?.partitions ?? [];
      return ps.length === 3 && ps.every((p) => p.leader >= 0) ? ps : null;
    });
    return `partitions=${md.map((p) => `${p.partitionId}:leader${p.leader}`).join(',')}`;
  });

  await step('idempotent producer connect', () => producer.connect());
  await step(`produce ${COUNT} messages (acks -1, keys, headers)`, async () => {
    const perBatch = 100;
    let sent = 0;
    const partitionsSeen = new Set();
    for (let b = 0; sent < COUNT; b++) {
      const messages = [];
      for (let i = 0; i < perBatch && sent < COUNT; i++, sent++) {
        messages.push({
          key: `key-${sent % 37}`,
          value: JSON.stringify({ seq: sent, run }),
          headers: { 'x-seq': String(sent), 'x-source': 'smoke' },
        });
      }
      const meta = await producer.send({ topic, acks: -1, messages });
      for (const m of meta) {
        if (m.errorCode !== 0) throw new Error(`produce error ${JSON.stringify(m)}`);
        partitionsSeen.add(m.partition);
      }
    }
    const offsets = await admin.fetchTopicOffsets(topic);
    const total = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    if (total !== COUNT) throw new Error(`high watermarks add up to ${total}, expected ${COUNT}`);
    return `${sent} sent to partitions [${[...partitionsSeen].sort()}]; high watermarks ${offsets.map((p) => `${p.partition}:${p.high}`).join(',')}`;
  });

  const seen = new Map();
  let badHeaders = 0;
  let commits = 0;
  let batches = 0;
  await step('consumer group join + subscribe', async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
  });
  await step(`consume ${COUNT} with eachBatch + commitOffsets`, async () => {
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        batches++;
        let last = null;
        for (const m of batch.messages) {
          if (!isRunning() || isStale()) break;
          const v = JSON.parse(m.value.toString());
          if (m.headers?.['x-seq']?.toString() !== String(v.seq) || m.headers?.['x-source']?.toString() !== 'smoke')
            badHeaders++;
          if (m.key?.toString() !== `key-${v.seq % 37}`) badHeaders++;
          seen.set(v.seq, (seen.get(v.seq) ?? 0) + 1);
          resolveOffset(m.offset);
          last = m.offset;
        }
        if (last !== null) {
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
          ]);
          commits++;
        }
        await heartbeat();
      },
    });
    consumerRunning = true;
    await until(`${COUNT} distinct messages`, () => seen.size >= COUNT, 60_000);
    if (badHeaders) throw new Error(`${badHeaders} messages with wrong key/headers`);
    const dups = [...seen.values()].filter((n) => n > 1).length;
    return `${seen.size} distinct, ${dups} redelivered, ${batches} batches, ${commits} commits`;
  });
  await step('consumer stop + disconnect', async () => {
    await consumer.disconnect();
    consumerRunning = false;
  });

  await step('admin fetchOffsets shows the commit', async () => {
    const res = await admin.fetchOffsets({ groupId, topics: [topic] });
    const parts = res.find((t) => t.topic === topic)?.partitions ?? [];
    const total = parts.reduce((n, p) => n + Number(p.offset), 0);
    if (parts.length !== 3 || total !== COUNT)
      throw new Error(`committed ${JSON.stringify(parts)} (sum ${total}), expected sum ${COUNT}`);
    return parts.map((p) => `${p.partition}:${p.offset}`).join(',');
  });
  await step('listTopics', async () => {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) throw new Error(`${topic} missing from ${topics}`);
    return `${topics.length} topics`;
  });

  // ---- extras: useful to know, not required by the pipeline today
  await step(
    'extra: listGroups / describeGroups / deleteGroups',
    async () => {
      const { groups } = await admin.listGroups();
      if (!groups.some((g) => g.groupId === groupId))
        throw new Error(`group missing from listGroups: ${JSON.stringify(groups)}`);
      const d = await admin.describeGroups([groupId]);
      const state = d.groups[0]?.state;
      await admin.deleteGroups([groupId]);
      return `state=${state}`;
    },
    { essential: false },
  );
  await step(
    'extra: describeConfigs (topic)',
    async () => {
      const r = await admin.describeConfigs({ resources: [{ type: 2, name: topic }], includeSynonyms: false });
      return `${r.resources[0].configEntries.length} entries`;
    },
    { essential: false },
  );
  await step(
    'extra: transactional producer commit',
    async () => {
      const tx = kafka.producer({
        transactionalId: `smoke-tx-${run}`,
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await tx.connect();
      try {
        const t = await tx.transaction();
        await t.send({ topic, messages: [{ key: 'tx', value: 'tx' }] });
        await t.commit();
      } finally {
        await tx.disconnect();
      }
    },
    { essential: false },
  );

  await step('deleteTopics', async () => {
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
    await until('topic gone from listTopics', async () => !(await admin.listTopics()).includes(topic));
  });
} catch {
  // already reported by step()
} finally {
  if (consumerRunning) await consumer.disconnect().catch(() => {});
  await producer.disconnect().catch(() => {});
  await admin.disconnect().catch(() => {});
}

const failed = results.filter((r) => !r.ok && r.essential);
const warned = results.filter((r) => !r.ok && !r.essential);
console.log(`\nkafkajs warnings/errors logged: ${kafkajsLogs.length}`);
for (const r of [...failed, ...warned]) console.log(`--- ${r.name}\n${r.detail}`);
if (warned.length) console.log(`optional extras failing: ${warned.map((r) => r.name).join('; ')}`);
console.log(`${results.filter((r) => r.ok).length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
