// Integration-test wiring: a real Kafka broker (KAFKA_BROKERS), a real ClickHouse engine (embedded chdb in a
// temp dir, or CLICKHOUSE_URL), and unique topic/table/group names per test so runs never collide.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import { clickhouseSettingsFromEnv, openClickHouse } from '../../src/clickhouse/client.js';
import { parseSourceConfig } from '../../src/config/load.js';
import type { Context } from '../../src/cli/context.js';
import { createKafka, kafkaSettingsFromEnv } from '../../src/kafka/client.js';
import { createLogger, silentLogger } from '../../src/log.js';
import savvycal from '../../pipelines/savvycal.js';

export const brokers = process.env.KAFKA_BROKERS ?? 'localhost:9092';

/** A unique source name whose schemas are the shipped SavvyCal ones. */
export function uniqueSource(): { name: string; schemasDir: string } {
  const name = `savvycal_${randomBytes(4).toString('hex')}`;
  const schemasDir = mkdtempSync(join(tmpdir(), 'streamtap-schemas-'));
  symlinkSync(resolve('schemas/savvycal'), join(schemasDir, name));
  return { name, schemasDir };
}

/** Adds the one line that reads every event (`params: { state: 'all', period: 'all' }`) to a seed config. */
export function withEveryEvent<
  T extends { resources: { endpoint: { path: string; params?: Record<string, unknown> } }[] },
>(config: T): T {
  for (const r of config.resources)
    if (r.endpoint.path === '/v1/events') r.endpoint.params = { ...r.endpoint.params, state: 'all', period: 'all' };
  return config;
}

export function testLogger() {
  return process.env.STREAMTAP_TEST_LOG ? createLogger(process.env.STREAMTAP_TEST_LOG) : silentLogger;
}

export function testKafka(): Kafka {
  return createKafka(kafkaSettingsFromEnv({ KAFKA_BROKERS: brokers }), testLogger());
}

/**
 * The seed's config pointed at `baseUrl`, with pages of `limit` records on the paginated resources, and
 * `state=all&period=all` on events: these tests load every event of the stand-in, where the config as
 * written reads the upcoming confirmed ones only (SavvyCal's documented defaults).
 */
export function seedContext(
  baseUrl: string,
  token: string,
  options: { limit?: number; kafka?: Kafka; dataDir?: string } = {},
): Context {
  const { name, schemasDir } = uniqueSource();
  const raw = structuredClone(savvycal) as {
    resources: { endpoint: { path: string; paginator?: unknown; params?: Record<string, unknown> } }[];
  };
  for (const r of raw.resources)
    if (r.endpoint.paginator && options.limit) r.endpoint.params = { limit: options.limit };
  withEveryEvent(raw);
  const env = { API_KEY: token };
  return {
    logger: testLogger(),
    source: parseSourceConfig(raw, { name, origin: 'test', env, baseUrl }),
    kafka: options.kafka ?? testKafka(),
    clickhouse: clickhouseSettingsFromEnv(process.env, options.dataDir ?? mkdtempSync(join(tmpdir(), 'streamtap-ch-'))),
    schemasDir,
    secrets: { env },
    env,
  };
}

let shared: ClickHouseClient | undefined;

/** One ClickHouse client per test process: the embedded engine allows one data directory per process. */
export async function sharedClickHouse(): Promise<ClickHouseClient> {
  shared ??= await openClickHouse(clickhouseSettingsFromEnv(process.env, mkdtempSync(join(tmpdir(), 'streamtap-ch-'))));
  return shared;
}

export async function closeSharedClickHouse(): Promise<void> {
  await shared?.close();
  shared = undefined;
}

export async function queryRows<T>(ch: ClickHouseClient, query: string): Promise<T[]> {
  const rs = await ch.query({ query, format: 'JSONEachRow' });
  return rs.json<T>();
}
