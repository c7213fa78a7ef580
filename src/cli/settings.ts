// Process settings (Kafka, ClickHouse, directories, metrics, schedule), separate from the source config.
// One precedence, everywhere: command-line flag > environment variable > settings file > default.
// Every setting has an environment name, so the layers merge into one env-shaped map that the adapters
// (kafkaSettingsFromEnv, clickhouseSettingsFromEnv, …) read as they always did.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, type ConfigIssue } from '../config/errors.js';
import { findSecret } from '../config/secrets.js';
import { SecretMissingError } from '../config/errors.js';
import { registerSecret } from '../redact.js';

export interface SettingDef {
  /** dotted key in the settings file, e.g. `kafka.sasl_mechanism` */
  readonly key: string;
  readonly env: string;
  /** the commander option name (camelCase) that sets it, if any */
  readonly flag?: string;
  readonly secret?: boolean;
  readonly default?: string;
  readonly doc: string;
}

export const SETTINGS: readonly SettingDef[] = [
  {
    key: 'kafka.brokers',
    env: 'KAFKA_BROKERS',
    flag: 'brokers',
    default: 'localhost:9092',
    doc: 'bootstrap servers, host:port[,host:port]',
  },
  { key: 'kafka.client_id', env: 'KAFKA_CLIENT_ID', default: 'streamtap', doc: 'Kafka client id' },
  { key: 'kafka.ssl', env: 'KAFKA_SSL', flag: 'kafkaSsl', doc: 'true: connect with TLS' },
  { key: 'kafka.ssl_ca_file', env: 'KAFKA_SSL_CA_FILE', flag: 'kafkaSslCaFile', doc: 'PEM CA bundle (implies TLS)' },
  { key: 'kafka.ssl_cert_file', env: 'KAFKA_SSL_CERT_FILE', doc: 'PEM client certificate (mutual TLS)' },
  { key: 'kafka.ssl_key_file', env: 'KAFKA_SSL_KEY_FILE', doc: 'PEM client key (mutual TLS)' },
  {
    key: 'kafka.ssl_reject_unauthorized',
    env: 'KAFKA_SSL_REJECT_UNAUTHORIZED',
    doc: 'false: accept any server certificate (testing only)',
  },
  {
    key: 'kafka.sasl_mechanism',
    env: 'KAFKA_SASL_MECHANISM',
    flag: 'kafkaSaslMechanism',
    doc: 'plain, scram-sha-256 or scram-sha-512',
  },
  { key: 'kafka.sasl_username', env: 'KAFKA_SASL_USERNAME', flag: 'kafkaSaslUsername', doc: 'SASL user' },
  {
    key: 'kafka.sasl_password',
    env: 'KAFKA_SASL_PASSWORD',
    secret: true,
    doc: 'SASL password (env or {$secret: name}; never a flag)',
  },
  {
    key: 'clickhouse.url',
    env: 'CLICKHOUSE_URL',
    flag: 'clickhouseUrl',
    doc: 'http(s)://host:port of a server; unset: embedded',
  },
  { key: 'clickhouse.username', env: 'CLICKHOUSE_USER', flag: 'clickhouseUser', doc: 'server user' },
  {
    key: 'clickhouse.password',
    env: 'CLICKHOUSE_PASSWORD',
    secret: true,
    doc: 'server password (env or {$secret: name}; never a flag)',
  },
  {
    key: 'clickhouse.database',
    env: 'CLICKHOUSE_DATABASE',
    flag: 'clickhouseDatabase',
    doc: 'default database of the connection',
  },
  { key: 'clickhouse.ca_file', env: 'CLICKHOUSE_CA_FILE', doc: 'PEM CA bundle for an https server' },
  {
    key: 'data_dir',
    env: 'STREAMTAP_DATA_DIR',
    flag: 'dataDir',
    default: '.data',
    doc: 'embedded ClickHouse data lives in <data_dir>/clickhouse',
  },
  {
    key: 'schemas_dir',
    env: 'STREAMTAP_SCHEMAS_DIR',
    flag: 'schemas',
    default: 'schemas',
    doc: 'Avro schema directory',
  },
  { key: 'base_url', env: 'STREAMTAP_BASE_URL', flag: 'baseUrl', doc: 'overrides client.base_url of the source' },
  { key: 'secrets_file', env: 'STREAMTAP_SECRETS_FILE', doc: 'JSON file of secrets { "api_key": "…" }' },
  {
    key: 'log_level',
    env: 'STREAMTAP_LOG_LEVEL',
    flag: 'logLevel',
    default: 'info',
    doc: 'trace, debug, info, warn, error',
  },
  {
    key: 'log_format',
    env: 'STREAMTAP_LOG_FORMAT',
    default: 'auto',
    doc: 'auto (human on a terminal, JSON otherwise), json, pretty',
  },
  {
    key: 'progress',
    env: 'STREAMTAP_PROGRESS',
    default: 'auto',
    doc: 'auto (live lines on a terminal), always, never',
  },
  {
    key: 'metrics.port',
    env: 'STREAMTAP_METRICS_PORT',
    flag: 'metricsPort',
    doc: 'serve /metrics, /healthz, /readyz on this port (0: any free port)',
  },
  {
    key: 'metrics.host',
    env: 'STREAMTAP_METRICS_HOST',
    flag: 'metricsHost',
    default: '0.0.0.0',
    doc: 'interface of the metrics server',
  },
  {
    key: 'produce.every',
    env: 'STREAMTAP_EVERY',
    flag: 'every',
    doc: 'produce (or run) again on this interval, e.g. 15m',
  },
  // Topics streamtap creates (src/kafka/topic-layout.ts; docs/operations.md): unset follows the cluster size
  {
    key: 'topics.partitions',
    env: 'STREAMTAP_TOPIC_PARTITIONS',
    flag: 'partitions',
    default: '3',
    doc: 'partitions of a new resource topic whose resource sets no kafka.partitions',
  },
  {
    key: 'topics.replication_factor',
    env: 'STREAMTAP_TOPIC_REPLICATION_FACTOR',
    flag: 'replicationFactor',
    doc: 'replication factor of new topics (default: 3 on 3+ brokers, else the broker count)',
  },
  {
    key: 'topics.min_insync_replicas',
    env: 'STREAMTAP_TOPIC_MIN_INSYNC_REPLICAS',
    flag: 'minInsyncReplicas',
    doc: 'min.insync.replicas of new topics (default: 2 with 3+ replicas, else 1)',
  },
  {
    key: 'topics.max_message_bytes',
    env: 'STREAMTAP_TOPIC_MAX_MESSAGE_BYTES',
    flag: 'maxMessageBytes',
    default: '8388608',
    doc: 'max.message.bytes of new data and dead-letter topics, in bytes (topics that exist keep theirs)',
  },
  {
    key: 'process.heap_growing_percent',
    env: 'STREAMTAP_HEAP_GROWING_PERCENT',
    doc: "V8 heap growth before a full GC, percent of the live heap, 0-300 (default 50 for produce, 0 = V8's own for consume and run)",
  },
  // Consumer settings (src/consumers/settings.ts reads them from the merged environment; docs/consumers.md)
  {
    key: 'consumer.group',
    env: 'STREAMTAP_CONSUMER_GROUP',
    flag: 'group',
    doc: 'consumer group (default streamtap.<source>)',
  },
  { key: 'consumer.batch_records', env: 'STREAMTAP_BATCH_RECORDS', flag: 'batchRecords', doc: 'records per insert' },
  { key: 'consumer.batch_bytes', env: 'STREAMTAP_BATCH_BYTES', flag: 'batchBytes', doc: 'message bytes per insert' },
  {
    key: 'consumer.batch_wait_ms',
    env: 'STREAMTAP_BATCH_WAIT_MS',
    flag: 'batchWaitMs',
    doc: 'longest wait for a batch to fill',
  },
  {
    key: 'consumer.shutdown_timeout_ms',
    env: 'STREAMTAP_SHUTDOWN_TIMEOUT_MS',
    flag: 'shutdownTimeoutMs',
    doc: 'longest clean stop after SIGTERM',
  },
  {
    key: 'consumer.session_timeout_ms',
    env: 'STREAMTAP_SESSION_TIMEOUT_MS',
    flag: 'sessionTimeoutMs',
    default: '10000',
    doc: 'a group member silent this long (killed, stalled) loses its partitions to the others',
  },
  {
    key: 'consumer.heartbeat_interval_ms',
    env: 'STREAMTAP_HEARTBEAT_INTERVAL_MS',
    flag: 'heartbeatIntervalMs',
    default: '1000',
    doc: 'group heartbeat interval; the others learn of a rebalance with their next heartbeat',
  },
  {
    key: 'clickhouse.cluster',
    env: 'STREAMTAP_CLICKHOUSE_CLUSTER',
    flag: 'cluster',
    doc: 'create tables ON CLUSTER <name>',
  },
];

export type SettingOrigin = 'flag' | 'env' | 'file' | 'default' | 'unset';

export interface EffectiveSetting {
  readonly def: SettingDef;
  readonly value: string | undefined;
  readonly from: SettingOrigin;
}

export interface ResolvedSettings {
  /** the process environment with every setting's effective value under its env name */
  readonly env: NodeJS.ProcessEnv;
  readonly settings: readonly EffectiveSetting[];
  readonly file: string | undefined;
}

/** env names whose values are secrets even when no setting names them (API keys of sources, etc.) */
const SECRET_ENV = /(PASSWORD|SECRET|TOKEN|API_KEY|CREDENTIAL)/i;

export function resolveSettings(
  flags: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedSettings {
  const file = (typeof flags.settings === 'string' ? flags.settings : undefined) ?? env.STREAMTAP_SETTINGS;
  const fromFile = file ? readSettingsFile(file, env) : new Map<string, string>();
  const merged: NodeJS.ProcessEnv = { ...env };
  const settings = SETTINGS.map((def): EffectiveSetting => {
    const flag = def.flag ? flags[def.flag] : undefined;
    let value: string | undefined;
    let from: SettingOrigin;
    if (flag !== undefined && flag !== false) [value, from] = [String(flag), 'flag'];
    else if (env[def.env] !== undefined && env[def.env] !== '') [value, from] = [env[def.env], 'env'];
    else if (fromFile.has(def.key)) [value, from] = [fromFile.get(def.key), 'file'];
    else if (def.default !== undefined) [value, from] = [def.default, 'default'];
    else [value, from] = [undefined, 'unset'];
    if (value !== undefined && from !== 'default') merged[def.env] = value;
    if (def.secret) registerSecret(value);
    return { def, value, from };
  });
  for (const [name, value] of Object.entries(merged)) if (SECRET_ENV.test(name)) registerSecret(value);
  registerSecretsFile(merged.STREAMTAP_SECRETS_FILE);
  return { env: merged, settings, file };
}

/** The merged environment alone: what createContext and the adapters read. */
export function effectiveEnv(
  flags: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  return resolveSettings(flags, env).env;
}

/** YAML or JSON, nested as the dotted keys: `kafka: { brokers: [a:9092], sasl_password: { $secret: kafka_password } }`. */
function readSettingsFile(file: string, env: NodeJS.ProcessEnv): Map<string, string> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(file, [{ path: '', message: `cannot read settings: ${(error as Error).message}` }]);
  }
  const byKey = new Map(SETTINGS.map((d) => [d.key, d]));
  const out = new Map<string, string>();
  const issues: ConfigIssue[] = [];
  const visit = (value: unknown, path: string): void => {
    const def = byKey.get(path);
    if (def) {
      const text = settingValue(value, def, path, env, file, issues);
      if (text !== undefined) out.set(path, text);
      return;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k}` : k);
      return;
    }
    const near = SETTINGS.filter((d) => d.key.startsWith(path.split('.')[0] ?? '')).map((d) => d.key);
    issues.push({
      path: path || '(root)',
      message: `unknown setting${near.length ? `; known here: ${near.join(', ')}` : ''}`,
    });
  };
  if (raw !== null && raw !== undefined) visit(raw, '');
  if (issues.length > 0) throw new ConfigError(file, issues);
  return out;
}

function settingValue(
  value: unknown,
  def: SettingDef,
  path: string,
  env: NodeJS.ProcessEnv,
  file: string,
  issues: ConfigIssue[],
): string | undefined {
  if (
    value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof (value as { $secret?: unknown }).$secret === 'string'
  ) {
    const name = (value as { $secret: string }).$secret;
    const secret = findSecret(name, { env });
    if (secret === undefined)
      throw new SecretMissingError(name, [`STREAMTAP_SECRET_${name.toUpperCase()}`, name.toUpperCase()]);
    return secret;
  }
  if (def.secret) {
    issues.push({
      path,
      message: `a secret is never written in a settings file: write { $secret: <name> } or set ${def.env}`,
    });
    return undefined;
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number'))
    return value.join(',');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  issues.push({
    path,
    message: `expected a string, number or boolean${def.key === 'kafka.brokers' ? ' (or a list of host:port)' : ''} (in ${file})`,
  });
  return undefined;
}

function registerSecretsFile(file: string | undefined): void {
  if (!file) return;
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (parsed && typeof parsed === 'object')
      for (const v of Object.values(parsed)) if (typeof v === 'string') registerSecret(v);
  } catch {
    // an unreadable secrets file is reported when a secret is looked up, with its own message
  }
}

/** `1h30m`, `15m`, `90s`, `500ms` → milliseconds. */
export function parseDuration(text: string): number {
  const s = text.trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total +=
      Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
    end = re.lastIndex;
  }
  if (s === '' || end !== s.length)
    throw new ConfigError('--every', [
      { path: 'produce.every', message: `"${text}" is not a duration; write e.g. 30s, 15m, 1h, 1h30m` },
    ]);
  if (total < 1000)
    throw new ConfigError('--every', [{ path: 'produce.every', message: `"${text}" is shorter than the 1s minimum` }]);
  return total;
}
