// The seed pipeline (pipelines/savvycal.ts) pointed at the stand-in API, as each stage process builds it.
import type { Kafka } from 'kafkajs';
import savvycal from '../../pipelines/savvycal.js';
import type { Context } from '../../src/cli/context.js';
import { clickhouseSettingsFromEnv } from '../../src/clickhouse/client.js';
import { parseSourceConfig } from '../../src/config/load.js';
import type { ResolvedSource } from '../../src/config/source.js';
import { createKafka, kafkaSettingsFromEnv } from '../../src/kafka/client.js';
import { createLogger, type Logger } from '../../src/log.js';
import type { StageParams } from './protocol.js';

/**
 * The seed's config, key for key, with `endpoint.params.limit` on the paginated resources and
 * `state: 'all', period: 'all'` on events: the benchmark reads every event the stand-in serves, where the
 * config as written reads only the upcoming confirmed ones (SavvyCal's documented defaults).
 */
export function benchSource(
  params: Pick<StageParams, 'sourceName' | 'baseUrl' | 'token' | 'pageSize'>,
): ResolvedSource {
  const raw = structuredClone(savvycal) as {
    resources: { endpoint: { path: string; paginator?: unknown; params?: Record<string, unknown> } }[];
  };
  for (const r of raw.resources) {
    if (r.endpoint.paginator) r.endpoint.params = { ...r.endpoint.params, limit: params.pageSize };
    if (r.endpoint.path === '/v1/events') r.endpoint.params = { ...r.endpoint.params, state: 'all', period: 'all' };
  }
  return parseSourceConfig(raw, {
    name: params.sourceName,
    origin: 'bench',
    env: { API_KEY: params.token },
    baseUrl: params.baseUrl,
  });
}

export function benchLogger(): Logger {
  return createLogger(process.env.BENCH_LOG_LEVEL ?? 'warn');
}

export function benchKafka(logger: Logger): Kafka {
  return createKafka(kafkaSettingsFromEnv(process.env), logger);
}

/** A CLI context as `streamtap run` builds it, for the end-to-end stage. */
export function benchContext(params: StageParams, logger: Logger, kafka: Kafka): Context {
  const env = { ...process.env, API_KEY: params.token };
  return {
    // `run` builds its producer thread's context from this (src/cli/producer-thread.ts)
    recipe: { module: import.meta.url, name: 'benchContextAgain', args: [params] },
    logger,
    source: benchSource(params),
    kafka,
    clickhouse: clickhouseSettingsFromEnv(process.env, params.workDir),
    schemasDir: params.schemasDir,
    secrets: { env },
    env,
  };
}

/** benchContext built again on another thread (its recipe), logging to `options.logger`. */
export async function benchContextAgain(params: StageParams, options: { logger: Logger }): Promise<Context> {
  return benchContext(params, options.logger, benchKafka(options.logger));
}
