// SASL end to end against a real broker configured for it: a second local Kafka (its own ports and data
// dir, so the shared broker is never touched) with a SASL_PLAINTEXT listener and SCRAM credentials
// stored at format time (scripts/kafka.sh KAFKA_SASL_PORT / KAFKA_SASL_USERS).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SECRETS, streamtap, uniqueConfig } from './ops-support.js';

const USER = 'streamtap-etl';
let brokerEnv: Record<string, string>;
let saslBrokers: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function kafkaScript(command: 'start' | 'stop'): void {
  const result = spawnSync('bash', ['scripts/kafka.sh', command], {
    encoding: 'utf8',
    env: { ...process.env, ...brokerEnv },
    timeout: 180_000,
  });
  assert.equal(result.status, 0, `kafka.sh ${command}: ${result.stderr}`);
}

before(async () => {
  const [port, controller, sasl] = [await freePort(), await freePort(), await freePort()];
  brokerEnv = {
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controller),
    KAFKA_SASL_PORT: String(sasl),
    KAFKA_SASL_USERS: `${USER}:${SECRETS.kafkaPassword}`,
    KAFKA_DATA_DIR: mkdtempSync(join(tmpdir(), 'streamtap-kafka-sasl-')),
  };
  saslBrokers = `localhost:${sasl}`;
  kafkaScript('start');
});

after(() => {
  // Stops only the broker started from this test's data dir (its pid file), never the shared one.
  if (brokerEnv) {
    kafkaScript('stop');
    rmSync(brokerEnv.KAFKA_DATA_DIR as string, { recursive: true, force: true });
  }
});

function sasl(mechanism: string, password: string = SECRETS.kafkaPassword): Record<string, string> {
  return {
    KAFKA_BROKERS: saslBrokers,
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: USER,
    KAFKA_SASL_PASSWORD: password,
    STREAMTAP_LOG_LEVEL: 'info',
  };
}

test('SCRAM-SHA-256: run produces, consumes and loads every record over SASL; status reads it back with SCRAM-SHA-512', () => {
  const { file, name, schemasDir, dataDir } = uniqueConfig();
  const run = streamtap(
    ['run', file, '--mock-api', '--data-dir', dataDir, '--schemas', schemasDir],
    sasl('scram-sha-256'),
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`${name}\\.events\\s+5000`));

  const status = streamtap(
    ['status', file, '--data-dir', dataDir, '--schemas', schemasDir, '--json'],
    sasl('scram-sha-512'),
  );
  assert.equal(status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout) as {
    resources: { resource: string; lastRun: { outcome: string } | null; lag: string; rows: number }[];
  };
  const events = report.resources.find((r) => r.resource === 'events');
  assert.deepEqual([events?.lastRun?.outcome, events?.lag, events?.rows], ['success', '0', 5000]);
});

test('PLAIN over the same listener, with the mechanism and user given as flags and the password from the env', () => {
  const { file, schemasDir } = uniqueConfig();
  const env = { KAFKA_BROKERS: saslBrokers, KAFKA_SASL_PASSWORD: SECRETS.kafkaPassword };
  const produced = streamtap(
    [
      'produce',
      file,
      '--mock-api',
      '--schemas',
      schemasDir,
      '-r',
      'timezones',
      '--kafka-sasl-mechanism',
      'plain',
      '--kafka-sasl-username',
      USER,
    ],
    env,
  );
  assert.equal(produced.code, 0, produced.stderr);
  assert.match(produced.stdout, /timezones\s+ok/);
});

test('a wrong password fails fast with exit 1 and says so, without printing either password', () => {
  const { file, schemasDir } = uniqueConfig();
  const wrong = 'wrong-pw-e8c1f7a2';
  const result = streamtap(
    ['produce', file, '--mock-api', '--schemas', schemasDir, '-r', 'timezones'],
    sasl('scram-sha-512', wrong),
  );
  assert.equal(result.code, 1);
  assert.match(result.stderr, /streamtap: SASL SCRAM SHA512 authentication failed/);
  assert.ok(
    !result.stderr.includes(wrong) && !result.stdout.includes(wrong),
    'the wrong password is not printed either',
  );
});
