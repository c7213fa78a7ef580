// docker-compose.yml, Dockerfile and .dockerignore, checked by reading them: no Docker engine runs here.
// What is checked is what breaks a `docker compose up` silently or late: floating image tags, a dependency
// on a service that does not exist or is not healthy yet, variables without defaults, env names the app
// never reads, CLI commands or flags that do not exist, Kafka listeners that clients cannot reach.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  buildContext,
  cliSurface,
  dependencies,
  environment,
  envValue,
  FULL_VERSION,
  hasHealthcheck,
  interpolate,
  loadCompose,
  parseListeners,
  read,
  readBySource,
  references,
  ROOT,
  secretEnvironmentNames,
  splitImage,
  streamtapInvocations,
  strings,
} from '../support/compose.js';

/** Variables that have no default on purpose: secrets, passed from the user's shell or .env, never written down. */
const REQUIRED_FROM_HOST = ['API_KEY'];
/** Services built from this repository run the streamtap CLI. */
const APP_SERVICES = ['mock-api', 'producer', 'consumer'];

const { compose, services, service } = loadCompose('docker-compose.yml');

// ---- the tests ----

test('docker-compose.yml parses and declares Kafka, ClickHouse, the stand-in API, a producer and a consumer', () => {
  assert.equal(typeof compose, 'object');
  assert.deepEqual(Object.keys(services).sort(), ['clickhouse', 'consumer', 'kafka', 'mock-api', 'producer']);
  assert.deepEqual(service('mock-api').profiles, ['demo'], 'the stand-in API only runs with --profile demo');
  for (const name of ['kafka', 'clickhouse', 'producer', 'consumer'])
    assert.equal(service(name).profiles, undefined, `${name} runs by default`);
});

test('every image is pinned to a release tag, or built from this repository', () => {
  for (const [name, s] of Object.entries(services)) {
    const context = buildContext(s);
    if (context !== undefined) {
      assert.equal(context, '.', `${name} builds from the repository root`);
      assert.ok(existsSync(join(ROOT, 'Dockerfile')), 'the Dockerfile exists');
      if (s.image)
        assert.notEqual(
          splitImage(interpolate(s.image)).tag,
          'latest',
          `${name}: the local image is not tagged latest`,
        );
      continue;
    }
    assert.ok(s.image, `${name} has an image or a build`);
    const { tag } = splitImage(interpolate(s.image));
    assert.ok(tag, `${name}: ${s.image} has no tag`);
    assert.notEqual(tag, 'latest', `${name}: ${s.image} floats`);
    assert.match(tag, FULL_VERSION, `${name}: ${s.image} is not a specific release`);
  }
  for (const name of APP_SERVICES)
    assert.ok(buildContext(service(name)) !== undefined, `${name} runs this project's image`);
});

test('the Kafka image is the Kafka version the test suite runs against (scripts/kafka.sh)', () => {
  const pinned = /KAFKA_VERSION="\$\{KAFKA_VERSION:-([^}]+)\}"/.exec(read('scripts/kafka.sh'))?.[1];
  assert.ok(pinned, 'scripts/kafka.sh names its default Kafka version');
  assert.deepEqual(splitImage(service('kafka').image ?? ''), { name: 'apache/kafka', tag: pinned });
});

test('depends_on names existing services and waits for health wherever there is a health check', () => {
  let checked = 0;
  for (const [name, s] of Object.entries(services)) {
    for (const [target, dep] of dependencies(s)) {
      const t = services[target];
      assert.ok(t, `${name} depends on ${target}, which is not a service`);
      if (hasHealthcheck(t)) assert.equal(dep.condition, 'service_healthy', `${name} → ${target}: wait until healthy`);
      if (t.profiles && !s.profiles)
        assert.equal(dep.required, false, `${name} → ${target}: ${target} only runs in a profile`);
      checked++;
    }
  }
  assert.ok(checked >= 4);
  assert.deepEqual([...dependencies(service('consumer')).keys()].sort(), ['clickhouse', 'kafka']);
  assert.ok(dependencies(service('producer')).has('kafka'));
  for (const name of ['kafka', 'clickhouse', 'mock-api'])
    assert.ok(hasHealthcheck(service(name)), `${name} has a health check`);
});

test('every ${VAR} has a default, except secrets passed from the host, and no secret is written in the file', () => {
  const refs = strings(compose).flatMap(references);
  assert.ok(refs.length > 0);
  for (const ref of refs) {
    const hasDefault = ref.op === ':-' || ref.op === '-';
    assert.ok(
      hasDefault || REQUIRED_FROM_HOST.includes(ref.name),
      `\${${ref.name}} needs a default (or belongs in REQUIRED_FROM_HOST)`,
    );
  }
  const docs = read('docs/docker.md');
  for (const [name, s] of Object.entries(services)) {
    for (const [key, value] of environment(s)) {
      if (value === null)
        assert.ok(
          REQUIRED_FROM_HOST.includes(key),
          `${name}: ${key} is passed through from the host but not meant to be`,
        );
      if (REQUIRED_FROM_HOST.includes(key) || key.startsWith('STREAMTAP_SECRET_')) {
        const literal = value !== null && references(value).length === 0;
        assert.ok(!literal, `${name}: ${key} must come from the host, not from the file`);
        if (value !== null)
          for (const ref of references(value))
            assert.ok(ref.op !== ':-' && ref.op !== '-', `${name}: ${key} has a default`);
      }
    }
  }
  for (const name of REQUIRED_FROM_HOST)
    assert.match(docs, new RegExp(`\\b${name}\\b`), `docs/docker.md explains ${name}`);
  assert.equal(environment(service('producer')).get('API_KEY'), null, 'the producer takes API_KEY from the host');
});

test('the app services set only environment variables that streamtap reads', () => {
  const secrets = secretEnvironmentNames();
  assert.ok(secrets.has('API_KEY'), 'the seed pipeline reads its token from API_KEY');
  for (const name of APP_SERVICES) {
    for (const key of environment(service(name)).keys()) {
      assert.ok(readBySource(key) || secrets.has(key), `${name}: ${key} is not read anywhere under src/`);
    }
  }
  for (const key of ['KAFKA_BROKERS', 'CLICKHOUSE_URL', 'CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD']) {
    assert.ok(readBySource(key), `src/ reads ${key}`);
    assert.ok(environment(service('consumer')).has(key), `the consumer sets ${key}`);
  }
  assert.ok(environment(service('producer')).has('KAFKA_BROKERS'));
  assert.ok(
    environment(service('producer')).has('STREAMTAP_BASE_URL'),
    'the producer can be pointed at the stand-in API',
  );
});

test('the app services run commands and flags that the streamtap CLI defines', () => {
  const { commands, flags } = cliSurface();
  const seen = new Map<string, string>();
  for (const name of APP_SERVICES) {
    const calls = streamtapInvocations(service(name));
    assert.ok(calls.length > 0, `${name} runs streamtap`);
    for (const argv of calls) {
      const [command, ...args] = argv;
      assert.ok(command && commands.has(command), `${name}: \`${command}\` is not a streamtap command`);
      seen.set(name, command);
      for (const arg of args)
        if (arg.startsWith('--'))
          assert.ok(flags.has(arg.split('=')[0] as string), `${name}: ${arg} is not a streamtap option`);
    }
  }
  assert.deepEqual(Object.fromEntries(seen), { 'mock-api': 'mock-api', producer: 'produce', consumer: 'consume' });
  const producer = service('producer');
  if (producer.entrypoint !== undefined)
    assert.deepEqual(producer.entrypoint, ['/bin/sh', '-c'], 'the schedule loop runs in a POSIX shell');
  for (const name of ['producer', 'consumer']) {
    assert.equal(service(name).restart, 'unless-stopped', `${name} comes back after a crash or a reboot`);
    assert.equal(service(name).init, true, `${name}: an init process forwards SIGTERM`);
  }
});

test('Kafka runs single-node KRaft with listeners the clients can reach', () => {
  const kafka = service('kafka');
  const env = (key: string): string => envValue(kafka, key);
  assert.deepEqual(env('KAFKA_PROCESS_ROLES').split(',').sort(), ['broker', 'controller']);
  assert.ok(env('CLUSTER_ID').length >= 22, 'a base64 cluster id');

  const listeners = parseListeners(env('KAFKA_LISTENERS'));
  const advertised = parseListeners(env('KAFKA_ADVERTISED_LISTENERS'));
  const protocols = new Map(
    env('KAFKA_LISTENER_SECURITY_PROTOCOL_MAP')
      .split(',')
      .map((p) => p.split(':') as [string, string]),
  );
  const controller = env('KAFKA_CONTROLLER_LISTENER_NAMES');
  for (const name of listeners.keys()) assert.ok(protocols.has(name), `${name} has a security protocol`);
  assert.ok(listeners.has(controller), 'the controller listener is bound');
  assert.ok(!advertised.has(controller), 'the controller listener is not advertised to clients');
  assert.ok(listeners.has(env('KAFKA_INTER_BROKER_LISTENER_NAME')));

  const voter = /^(\d+)@([^:]+):(\d+)$/.exec(env('KAFKA_CONTROLLER_QUORUM_VOTERS'));
  assert.ok(voter, 'one static voter');
  assert.equal(voter[1], env('KAFKA_NODE_ID'));
  assert.equal(voter[3], listeners.get(controller)?.port);

  const published = new Map(
    (kafka.ports ?? []).map((p) => {
      const parts = interpolate(String(p)).split(':');
      return [parts.at(-1) as string, parts.at(-2) as string];
    }),
  );
  for (const [name, a] of advertised) {
    const bound = listeners.get(name);
    assert.ok(bound, `${name} is advertised and bound`);
    if (a.host === 'localhost')
      assert.equal(published.get(bound.port), a.port, `${name}: host port ${a.port} is published to ${bound.port}`);
    else assert.equal(a.port, bound.port, `${name}: advertised on the port it listens on`);
  }
  const reachable = new Set(
    [...advertised.values()].filter((a) => a.host !== 'localhost').map((a) => `${a.host}:${a.port}`),
  );
  for (const name of ['producer', 'consumer']) {
    for (const broker of envValue(service(name), 'KAFKA_BROKERS').split(',')) {
      assert.ok(reachable.has(broker), `${name}: ${broker} is an advertised listener on the compose network`);
      assert.ok(services[broker.split(':')[0] as string], `${name}: ${broker} names a service`);
    }
  }
  for (const key of [
    'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR',
    'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR',
    'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR',
  ]) {
    assert.equal(env(key), '1', `${key} fits one broker`);
  }
  assert.equal(
    env('KAFKA_AUTO_CREATE_TOPICS_ENABLE'),
    'false',
    'streamtap creates its topics, as with scripts/kafka.sh',
  );
  assert.match(
    JSON.stringify(kafka.healthcheck?.test),
    /kafka-broker-api-versions\.sh --bootstrap-server localhost:9092/,
  );
});

test('the consumer reaches ClickHouse with the credentials the server is started with', () => {
  const clickhouse = service('clickhouse');
  const consumer = service('consumer');
  const url = new URL(envValue(consumer, 'CLICKHOUSE_URL'));
  assert.equal(url.hostname, 'clickhouse');
  assert.equal(url.port, '8123');
  const hosts: Record<string, string>[] = [{}, { CLICKHOUSE_USER: 'etl', CLICKHOUSE_PASSWORD: 'from-the-shell' }];
  for (const host of hosts) {
    for (const key of ['CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD']) {
      assert.equal(
        envValue(consumer, key, host),
        envValue(clickhouse, key, host),
        `${key} agrees with ${JSON.stringify(host)}`,
      );
    }
  }
  assert.notEqual(
    envValue(clickhouse, 'CLICKHOUSE_USER'),
    'default',
    'a named user: the image locks `default` to localhost',
  );
  const nofile = clickhouse.ulimits?.nofile;
  assert.ok(
    nofile && typeof nofile === 'object' && nofile.soft >= 262144 && nofile.hard >= 262144,
    'nofile as the image documents',
  );
  assert.match(JSON.stringify(clickhouse.healthcheck?.test), /8123\/ping/);
});

test('state lives in named volumes, and host ports listen on loopback only', () => {
  const declared = new Set(Object.keys(compose.volumes ?? {}));
  const mounts = new Map<string, string>();
  for (const [name, s] of Object.entries(services)) {
    for (const v of s.volumes ?? []) {
      const [source, target] = typeof v === 'string' ? v.split(':') : [v.source, v.target];
      assert.ok(source && target, `${name}: volume ${JSON.stringify(v)}`);
      if (!source.startsWith('.') && !source.startsWith('/'))
        assert.ok(declared.has(source), `${name}: volume ${source} is declared`);
      mounts.set(`${name}:${target}`, source);
    }
    for (const p of s.ports ?? []) {
      const spec = interpolate(String(p));
      assert.match(spec, /^127\.0\.0\.1:\d+:\d+$/, `${name}: ${spec} is published on every interface`);
    }
  }
  assert.ok(mounts.has(`kafka:${envValue(service('kafka'), 'KAFKA_LOG_DIRS')}`), 'the Kafka log dir is a volume');
  assert.ok(mounts.has('clickhouse:/var/lib/clickhouse'), 'the ClickHouse data dir is a volume');
  assert.ok(
    mounts.has(`producer:${envValue(service('producer'), 'STREAMTAP_DATA_DIR')}`),
    'the producer keeps its state',
  );
});

// ---- Dockerfile ----

interface Instruction {
  readonly op: string;
  readonly args: string;
}
function dockerfile(): Instruction[] {
  return read('Dockerfile')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const space = l.search(/\s/);
      return { op: l.slice(0, space).toUpperCase(), args: l.slice(space + 1).trim() };
    });
}

test('the Dockerfile builds on a pinned Node 20 bookworm image and runs bin/streamtap.js as a non-root user', () => {
  const steps = dockerfile();
  const stages: string[] = [];
  for (const from of steps.filter((s) => s.op === 'FROM')) {
    const [image, as, stage] = from.args.replace(/--platform=\S+\s+/, '').split(/\s+/);
    assert.ok(image);
    if (!stages.includes(image)) {
      const { name, tag } = splitImage(image);
      assert.ok(tag && tag !== 'latest', `FROM ${image} floats`);
      assert.equal(name, 'node');
      const m = /^(\d+)\.(\d+)\.(\d+)-bookworm-slim$/.exec(tag);
      assert.ok(m, `FROM ${image}: a specific Node release on Debian bookworm (glibc, for chdb)`);
      assert.equal(m[1], '20', 'Node 20, as package.json engines');
      assert.ok(Number(m[2]) >= 9, 'at least 20.9');
    }
    if (as?.toUpperCase() === 'AS' && stage) stages.push(stage);
  }
  assert.ok(stages.length >= 2, 'multi-stage');

  const lastFrom = steps.map((s) => s.op).lastIndexOf('FROM');
  const final = steps.slice(lastFrom);
  const user = final.filter((s) => s.op === 'USER').at(-1)?.args;
  assert.ok(user && !/^(root|0)(:|$)/.test(user), 'the final stage runs as a non-root user');
  assert.equal(final.filter((s) => s.op === 'WORKDIR').at(-1)?.args, '/app');
  const entrypoint = final.find((s) => s.op === 'ENTRYPOINT');
  assert.ok(entrypoint, 'ENTRYPOINT');
  assert.deepEqual(JSON.parse(entrypoint.args), ['node', 'bin/streamtap.js']);
  assert.ok(existsSync(join(ROOT, 'bin/streamtap.js')));
  assert.ok(
    final.some((s) => s.op === 'VOLUME' && s.args.includes('/data')),
    'a /data volume',
  );
  assert.ok(
    final.some((s) => s.op === 'ENV' && /STREAMTAP_DATA_DIR=\/data\b/.test(s.args)),
    'STREAMTAP_DATA_DIR points at it',
  );
  assert.ok(readBySource('STREAMTAP_DATA_DIR'));
});

test('the image gets what the CLI loads at run time, and .dockerignore keeps local state out', () => {
  const steps = dockerfile();
  const copied = steps
    .filter((s) => s.op === 'COPY' && !s.args.includes('--from='))
    .flatMap((s) => {
      const parts = s.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      return parts.slice(0, -1);
    });
  for (const source of copied) assert.ok(existsSync(join(ROOT, source)), `COPY ${source}: no such file`);
  for (const needed of ['package.json', 'package-lock.json', 'bin', 'src', 'pipelines', 'schemas'])
    assert.ok(copied.includes(needed), `the image gets ${needed}`);

  const installAt = steps.findIndex((s) => s.op === 'RUN' && /\bnpm (ci|install)\b/.test(s.args));
  const install = steps[installAt];
  assert.ok(install, 'the image installs its dependencies');
  const lockAt = steps.findIndex((s) => s.op === 'COPY' && s.args.split(/\s+/).includes('package-lock.json'));
  assert.ok(
    lockAt >= 0 && lockAt < installAt,
    'the lock file is in place before the install, so the pinned versions are used',
  );
  const named = (/\bnpm (?:ci|install)\b([^&;|]*)/.exec(install.args)?.[1] ?? '')
    .split(/\s+/)
    .filter((t) => t && !t.startsWith('-'));
  assert.deepEqual(named, [], 'the install adds no package beyond package.json');
  const pkg = JSON.parse(read('package.json')) as { dependencies?: Record<string, string> };
  if (/--omit=dev|--production/.test(install.args)) {
    for (const runtime of ['tsx', 'chdb', 'kafkajs', '@clickhouse/client'])
      assert.ok(pkg.dependencies?.[runtime], `${runtime} is a runtime dependency`);
  }

  const ignored = read('.dockerignore')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const entry of ['node_modules', '.git', '.data', 'dist', 'bench/results', '.env'])
    assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
  for (const source of copied)
    assert.ok(!ignored.includes(source), `.dockerignore hides ${source}, which the Dockerfile copies`);
});

test('docs/docker.md covers starting, logs, SQL, the demo profile and the real API', () => {
  const docs = read('docs/docker.md');
  for (const needle of [
    'docker compose up',
    'docker compose logs',
    '--profile demo',
    'sql',
    'API_KEY',
    'CLICKHOUSE_PASSWORD',
    'PRODUCE_EVERY_SECONDS',
  ]) {
    assert.ok(docs.includes(needle), `docs/docker.md mentions ${needle}`);
  }
  // Every variable the compose file interpolates is explained there.
  for (const ref of strings(compose).flatMap(references))
    assert.ok(docs.includes(ref.name), `docs/docker.md explains ${ref.name}`);
});
