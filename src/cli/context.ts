// What every command needs: config, logger, Kafka, ClickHouse settings, resolved once from flags and env.
import { resolve } from 'node:path';
import { clickhouseSettingsFromEnv, type ClickHouseSettings } from '../clickhouse/client.js';
import { loadSourceFile } from '../config/load.js';
import type { SecretSources } from '../config/secrets.js';
import type { ResolvedSource } from '../config/source.js';
import { createKafka, kafkaSettingsFromEnv } from '../kafka/client.js';
import { createLogger, type Logger } from '../log.js';
import type { Kafka } from 'kafkajs';
import type { PipelineObserver } from '../observability/events.js';
import { logDestination } from '../observability/terminal.js';
import { effectiveEnv } from './settings.js';

export const DEFAULT_CONFIG = 'pipelines/savvycal.ts';

export interface CommonFlags {
  readonly brokers?: string;
  readonly clickhouseUrl?: string;
  readonly dataDir?: string;
  readonly schemas?: string;
  readonly baseUrl?: string;
  readonly resource?: string[];
  readonly logLevel?: string;
}

/**
 * How to build a context again on another thread (src/cli/producer-thread.ts): the module (a `file:` URL)
 * and the name of an exported function that returns a Context from `args` (structured-cloneable) and a
 * last argument `{ logger }` to log to. A config may hold functions (processing steps), which cannot be
 * sent to a thread; its file can.
 */
export interface ContextRecipe {
  readonly module: string;
  readonly name: string;
  readonly args: readonly unknown[];
}

export interface Context {
  readonly logger: Logger;
  readonly source: ResolvedSource;
  readonly kafka: Kafka;
  readonly clickhouse: ClickHouseSettings;
  readonly schemasDir: string;
  readonly secrets: SecretSources;
  readonly env: NodeJS.ProcessEnv;
  /** progress and metrics hooks of the running command (src/cli/ops.ts) */
  readonly observer?: PipelineObserver | undefined;
  /**
   * resources whose schema file this command inferred before its first cycle: in that cycle their table is
   * new, and dlt lets a new table's columns evolve whatever the contract (ProduceOptions.newTables)
   */
  readonly newTables?: readonly string[] | undefined;
  /** how to build this context again on another thread; without it the producer runs on this one */
  readonly recipe?: ContextRecipe | undefined;
}

export async function createContext(
  configPath: string | undefined,
  flags: CommonFlags,
  env: NodeJS.ProcessEnv = process.env,
  /** `logger`: log there instead of a new logger (a thread building the context again logs nothing twice) */
  options: { readonly logger?: Logger } = {},
): Promise<Context> {
  const recipe: ContextRecipe = {
    module: import.meta.url,
    name: 'createContext',
    args: [configPath, flags, { ...env }],
  };
  // flags > env > settings file > defaults (src/cli/settings.ts); secrets registered for redaction
  env = effectiveEnv(flags as Readonly<Record<string, unknown>>, env);
  const logger =
    options.logger ?? createLogger(flags.logLevel ?? env.STREAMTAP_LOG_LEVEL ?? 'info', logDestination(env));
  const source = await loadSourceFile(configPath ?? DEFAULT_CONFIG, { env, baseUrl: flags.baseUrl });
  // dlt keys accepted for compatibility that change nothing here: said once per command, not per record
  for (const warning of source.warnings) logger.warn(warning);
  const kafka = createKafka(kafkaSettingsFromEnv(env, flags.brokers), logger);
  const clickhouse = clickhouseSettingsFromEnv(
    flags.clickhouseUrl ? { ...env, CLICKHOUSE_URL: flags.clickhouseUrl } : env,
    flags.dataDir,
  );
  return {
    logger,
    source,
    kafka,
    clickhouse,
    schemasDir: resolve(flags.schemas ?? env.STREAMTAP_SCHEMAS_DIR ?? 'schemas'),
    secrets: { env },
    env,
    recipe,
  };
}
