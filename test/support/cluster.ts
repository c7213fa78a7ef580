// The local 3-node cluster of `scripts/kafka.sh start --nodes 3` as the fault tests see it: which node is
// which process (the pid files the script writes), a node killed with SIGKILL and brought back, the
// group's members and their partitions, and `streamtap` child processes whose output the test reads.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { createKafka, kafkaSettingsFromEnv } from '../../src/kafka/client.js';
import { waitFor } from './consumer-fixtures.js';
import { testLogger } from './pipeline.js';

/** The cluster's bootstrap servers: the `KAFKA_BROKERS=` line `scripts/kafka.sh start --nodes 3` prints. */
export const clusterBrokers = process.env.KAFKA_CLUSTER_BROKERS;

/** Where kafka.sh keeps the nodes' data and pid files (its KAFKA_CLUSTER_DATA_DIR, relative to the repo). */
const clusterDir = resolve(process.env.KAFKA_CLUSTER_DATA_DIR ?? '.data/kafka-cluster');
const NODES = 3;

export function clusterKafka(): Kafka {
  return createKafka(kafkaSettingsFromEnv({ KAFKA_BROKERS: clusterBrokers }), testLogger());
}

/** The pid of node `id` (kafka.sh's node-<id>, which is also its Kafka node.id), from its pid file. */
function nodePid(id: number): number {
  const pid = Number(readFileSync(join(clusterDir, `node-${id}`, 'kafka.pid'), 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in ${clusterDir}/node-${id}/kafka.pid`);
  return pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed broker whose parent does not reap it lingers as a zombie: dead for our purposes.
  const stat = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return '';
    }
  })();
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** SIGKILLs node `id` (broker and controller in one JVM) and returns once the process is gone. */
export async function killNode(id: number): Promise<void> {
  const pid = nodePid(id);
  process.kill(pid, 'SIGKILL');
  await waitFor(`node ${id} (pid ${pid}) to die after SIGKILL`, () => !alive(pid), 30_000, 50);
}

/**
 * Starts what is not running of the cluster again (`kafka.sh start --nodes 3` leaves live nodes alone) and
 * waits until every partition of `topics` has all three replicas in sync, so the next test starts whole.
 */
export async function restoreCluster(kafka: Kafka, topics: readonly string[]): Promise<void> {
  await promisify(execFile)('bash', ['scripts/kafka.sh', 'start', '--nodes', String(NODES)], { timeout: 180_000 });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      `every partition of ${topics.join(', ')} with ${NODES} replicas in sync again`,
      async () => {
        const { brokers } = await admin.describeCluster();
        if (brokers.length < NODES) return false;
        const { topics: meta } = await admin.fetchTopicMetadata({ topics: [...topics] });
        return meta.every((t) => t.partitions.every((p) => p.isr.length === NODES));
      },
      120_000,
      500,
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * `request` again while it fails, for up to 30 s: an admin connection to a node that was just killed fails
 * (ECONNRESET) before kafkajs learns of the others; the next attempt goes to a live node.
 */
export async function answered<T>(what: string, request: () => Promise<T>): Promise<T> {
  let last: unknown;
  const value = await waitFor(
    `${what} (last error: ${String(last)})`,
    async () => {
      try {
        return { value: await request() };
      } catch (error) {
        last = error;
        return undefined;
      }
    },
    30_000,
    250,
  );
  return value.value;
}

/** Partition leaders of `topic`: partition → node id. */
export async function leaders(admin: Admin, topic: string): Promise<Map<number, number>> {
  const { topics } = await answered(`metadata of ${topic}`, () => admin.fetchTopicMetadata({ topics: [topic] }));
  return new Map((topics[0]?.partitions ?? []).map((p) => [p.partitionId, p.leader]));
}

/**
 * The node coordinating `groupId`: the leader of the `__consumer_offsets` partition the group hashes to
 * (Kafka's GroupCoordinator: `Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions`).
 */
export async function groupCoordinator(admin: Admin, groupId: string): Promise<number> {
  let hash = 0;
  for (let i = 0; i < groupId.length; i++) hash = (Math.imul(hash, 31) + groupId.charCodeAt(i)) | 0;
  const { topics } = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
  const partitions = topics[0]?.partitions ?? [];
  const index = (hash === -0x80000000 ? 0 : Math.abs(hash)) % partitions.length;
  const leader = partitions.find((p) => p.partitionId === index)?.leader;
  if (leader === undefined) throw new Error(`no leader for __consumer_offsets-${index}`);
  return leader;
}

export interface GroupMembers {
  readonly state: string;
  /** client id → partitions of `topic` assigned to that member (empty while the group rebalances) */
  readonly members: Map<string, number[]>;
}

/** The group as its coordinator describes it (admin DescribeGroups), with each member's partitions. */
export async function describeGroup(admin: Admin, groupId: string, topic: string): Promise<GroupMembers> {
  const { groups } = await answered(`the description of group ${groupId}`, () => admin.describeGroups([groupId]));
  const group = groups[0];
  const members = new Map<string, number[]>();
  for (const m of group?.members ?? []) {
    const decoded =
      m.memberAssignment.length > 0 ? kafkajs.AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
    members.set(
      m.clientId,
      [...(decoded?.assignment[topic] ?? [])].sort((a, b) => a - b),
    );
  }
  return { state: group?.state ?? 'Unknown', members };
}

export interface Streamtap {
  readonly child: ChildProcess;
  /** stdout lines so far */
  readonly lines: string[];
  /** the last stderr output, for failure messages */
  stderr(): string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `streamtap <args>` as a child process with `env` on top of this one's environment. */
export function streamtap(args: readonly string[], env: Record<string, string> = {}): Streamtap {
  const child = spawn(process.execPath, ['bin/streamtap.js', ...args], {
    env: { ...process.env, STREAMTAP_LOG_LEVEL: process.env.STREAMTAP_TEST_LOG ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let rest = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (process.env.STREAMTAP_TEST_LOG) process.stderr.write(chunk);
    err = (err + chunk.toString()).slice(-4000);
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, lines, stderr: () => err, exit };
}
