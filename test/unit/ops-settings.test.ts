// Process settings: one precedence (flag > env > settings file > default), secrets by reference only,
// durations of --every, and `config print` masking.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeConfig, formatConfig } from '../../src/cli/config-print.js';
import { parseDuration, resolveSettings } from '../../src/cli/settings.js';
import { ConfigError, SecretMissingError } from '../../src/config/errors.js';
import { kafkaSettingsFromEnv } from '../../src/kafka/client.js';
import { clickhouseSettingsFromEnv } from '../../src/clickhouse/client.js';

function settingsFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'streamtap-settings-')), 'streamtap.yaml');
  writeFileSync(file, text);
  return file;
}

const FILE = `
kafka:
  brokers: [file-a:9092, file-b:9092]
  sasl_mechanism: scram-sha-512
  sasl_username: file-user
  sasl_password: { $secret: kafka_password }
clickhouse:
  url: https://ch.example:8443
  database: analytics
metrics:
  port: 9464
log_level: debug
`;

test('flag > env > settings file > default, with the origin of every value', () => {
  const file = settingsFile(FILE);
  const env = {
    STREAMTAP_SETTINGS: file,
    KAFKA_BROKERS: 'env:9092',
    STREAMTAP_SECRET_KAFKA_PASSWORD: 'pw-from-secret',
  };
  const { env: merged, settings } = resolveSettings({ logLevel: 'warn' }, env);
  const by = Object.fromEntries(settings.map((s) => [s.def.key, s]));
  assert.deepEqual([by['log_level']?.value, by['log_level']?.from], ['warn', 'flag']);
  assert.deepEqual([by['kafka.brokers']?.value, by['kafka.brokers']?.from], ['env:9092', 'env']);
  assert.deepEqual([by['clickhouse.database']?.value, by['clickhouse.database']?.from], ['analytics', 'file']);
  assert.deepEqual([by['data_dir']?.value, by['data_dir']?.from], ['.data', 'default']);
  assert.deepEqual([by['metrics.port']?.value, by['metrics.port']?.from], ['9464', 'file']);
  assert.equal(by['clickhouse.username']?.from, 'unset');

  // The adapters read the merged environment as they always did.
  const kafka = kafkaSettingsFromEnv(merged);
  assert.deepEqual(kafka.brokers, ['env:9092']);
  assert.deepEqual(kafka.sasl, { mechanism: 'scram-sha-512', username: 'file-user', password: 'pw-from-secret' });
  const ch = clickhouseSettingsFromEnv(merged);
  assert.equal(ch.url, 'https://ch.example:8443');
  assert.equal(ch.database, 'analytics');
});

test('a settings file without env: its brokers list; an unknown key and a literal secret are refused by path', () => {
  const { env } = resolveSettings({ settings: settingsFile('kafka:\n  brokers: [a:1, b:2]\n') }, {});
  assert.equal(env.KAFKA_BROKERS, 'a:1,b:2');

  assert.throws(
    () => resolveSettings({ settings: settingsFile('kafka:\n  brokerz: x\n') }, {}),
    (e: unknown) =>
      e instanceof ConfigError && /kafka\.brokerz: unknown setting; known here: kafka\.brokers/.test(e.message),
  );
  assert.throws(
    () => resolveSettings({ settings: settingsFile('clickhouse:\n  password: hunter22\n') }, {}),
    (e: unknown) =>
      e instanceof ConfigError &&
      /clickhouse\.password: a secret is never written in a settings file/.test(e.message) &&
      !e.message.includes('hunter22'),
  );
  assert.throws(() => resolveSettings({ settings: settingsFile(FILE) }, {}), SecretMissingError);
});

test('SASL and TLS from the environment; a bad mechanism names the setting', () => {
  assert.equal(kafkaSettingsFromEnv({}).sasl, undefined);
  assert.equal(kafkaSettingsFromEnv({}).ssl, undefined);
  assert.equal(kafkaSettingsFromEnv({ KAFKA_SSL: 'true' }).ssl, true);
  assert.deepEqual(kafkaSettingsFromEnv({ KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }).ssl, {
    rejectUnauthorized: false,
  });
  const ca = settingsFile('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  assert.deepEqual(kafkaSettingsFromEnv({ KAFKA_SSL_CA_FILE: ca }).ssl, {
    ca: ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
  });
  assert.throws(
    () => kafkaSettingsFromEnv({ KAFKA_SASL_MECHANISM: 'gssapi' }),
    /kafka\.sasl_mechanism: "gssapi" is not one of plain, scram-sha-256, scram-sha-512/,
  );
  assert.throws(
    () => kafkaSettingsFromEnv({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }),
    /needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/,
  );
});

test('--every durations', () => {
  assert.equal(parseDuration('15m'), 900_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('1500ms'), 1500);
  for (const bad of ['15', 'm', '15 minutes', '', '500ms']) assert.throws(() => parseDuration(bad), ConfigError, bad);
});

test('config print masks secrets and shows where each value came from', () => {
  const resolved = resolveSettings(
    { brokers: 'flag:9092' },
    { KAFKA_SASL_PASSWORD: 'sasl-secret-value', CLICKHOUSE_PASSWORD: 'ch-secret-value', CLICKHOUSE_USER: 'etl' },
  );
  const printed = describeConfig(resolved, undefined, resolved.env);
  const text = formatConfig(printed) + JSON.stringify(printed);
  assert.ok(!text.includes('sasl-secret-value') && !text.includes('ch-secret-value'));
  assert.match(text, /kafka\.sasl_password\s+KAFKA_SASL_PASSWORD\s+\*\*\*\s+env/);
  assert.match(text, /kafka\.brokers\s+KAFKA_BROKERS\s+flag:9092\s+flag/);
  assert.match(text, /clickhouse\.username\s+CLICKHOUSE_USER\s+etl\s+env/);
  assert.match(text, /precedence: command-line flag > environment variable > settings file/);
});
