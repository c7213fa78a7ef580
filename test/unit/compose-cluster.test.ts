// docker-compose.cluster.yml, checked by reading it as test/unit/compose.test.ts reads docker-compose.yml:
// no Docker engine runs here. What is checked is what breaks the cluster late or silently: a quorum that
// does not list every controller, clients that know one broker only, internal topics that a lost broker
// makes unwritable, ClickHouse replicas that do not agree on the cluster, Keeper or their macros,
// consumers without --cluster/--distributed, Prometheus scraping ports nobody serves.
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
  walk,
} from '../support/compose.js';

const FILE = 'docker-compose.cluster.yml';
const { compose, services, service } = loadCompose(FILE);
const REQUIRED_FROM_HOST = ['API_KEY'];
const KAFKA = ['kafka-1', 'kafka-2', 'kafka-3'];
const CLICKHOUSE = ['clickhouse-1', 'clickhouse-2'];
const CONSUMERS = ['consumer-1', 'consumer-2'];
const APP_SERVICES = ['mock-api', 'producer', ...CONSUMERS];

/** Bind mounts of a service as container path → repository path. */
function binds(name: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of service(name).volumes ?? []) {
    const [source, target] = typeof v === 'string' ? v.split(':') : [v.source, v.target];
    if (source?.startsWith('./') && target) out.set(target, source.slice(2));
  }
  return out;
}

/** The value of an argv option: `--cluster x` → x; a bare flag → ''. */
function option(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  if (at < 0) return undefined;
  const next = argv[at + 1];
  return next === undefined || next.startsWith('--') ? '' : next;
}

const xmlText = (xml: string, tag: string): string[] =>
  [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => (m[1] as string).trim());

test('the cluster file declares Kafka ×3, Keeper, ClickHouse ×2, producer, consumers ×2, Prometheus and Grafana', () => {
  assert.deepEqual(
    Object.keys(services).sort(),
    [
      ...KAFKA,
      'clickhouse-keeper',
      ...CLICKHOUSE,
      'mock-api',
      'producer',
      ...CONSUMERS,
      'prometheus',
      'grafana',
    ].sort(),
  );
  assert.deepEqual(service('mock-api').profiles, ['demo']);
});

test('every image is pinned to a release, the Kafka one to the version scripts/kafka.sh runs', () => {
  for (const [name, s] of Object.entries(services)) {
    if (buildContext(s) !== undefined) {
      assert.equal(buildContext(s), '.', `${name} builds from the repository root`);
      continue;
    }
    const { tag } = splitImage(interpolate(s.image ?? ''));
    assert.ok(tag && tag !== 'latest' && FULL_VERSION.test(tag), `${name}: ${s.image} is not a specific release`);
  }
  for (const name of APP_SERVICES) assert.ok(buildContext(service(name)) !== undefined, `${name} runs this project`);
  const pinned = /KAFKA_VERSION="\$\{KAFKA_VERSION:-([^}]+)\}"/.exec(read('scripts/kafka.sh'))?.[1];
  for (const name of KAFKA)
    assert.deepEqual(splitImage(service(name).image ?? ''), { name: 'apache/kafka', tag: pinned });
  const server = splitImage(service('clickhouse-1').image ?? '').tag;
  assert.equal(splitImage(service('clickhouse-keeper').image ?? '').tag, server, 'Keeper and servers of one release');
  assert.equal(service('clickhouse-2').image, service('clickhouse-1').image);
  assert.equal(service('clickhouse-1').image, loadCompose('docker-compose.yml').service('clickhouse').image);
});

test('three KRaft nodes, each broker and controller, in one 3-voter quorum, reachable by every client', () => {
  const ids = KAFKA.map((name) => envValue(service(name), 'KAFKA_NODE_ID'));
  assert.equal(new Set(ids).size, 3, 'distinct node ids');
  const clusterIds = new Set(KAFKA.map((name) => envValue(service(name), 'CLUSTER_ID')));
  assert.equal(clusterIds.size, 1, 'one cluster id');
  const advertised: string[] = [];
  for (const name of KAFKA) {
    const s = service(name);
    const env = (key: string): string => envValue(s, key);
    assert.deepEqual(env('KAFKA_PROCESS_ROLES').split(',').sort(), ['broker', 'controller']);
    const listeners = parseListeners(env('KAFKA_LISTENERS'));
    const controller = env('KAFKA_CONTROLLER_LISTENER_NAMES');
    const voters = env('KAFKA_CONTROLLER_QUORUM_VOTERS')
      .split(',')
      .map((v) => /^(\d+)@([^:]+):(\d+)$/.exec(v));
    assert.deepEqual(
      voters.map((v) => [v?.[1], v?.[2], v?.[3]]),
      KAFKA.map((host, i) => [ids[i], services[host]?.hostname ?? host, listeners.get(controller)?.port]),
      `${name}: every node is a voter at its controller listener`,
    );
    const own = parseListeners(env('KAFKA_ADVERTISED_LISTENERS'));
    assert.ok(!own.has(controller), `${name}: the controller listener is not advertised`);
    for (const [listener, a] of own) {
      assert.equal(a.host, s.hostname, `${name}: advertised under its own host name`);
      assert.equal(a.port, listeners.get(listener)?.port, `${name}: advertised on the port it listens on`);
      advertised.push(`${a.host}:${a.port}`);
    }
    for (const key of ['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR'])
      assert.equal(env(key), '3', `${name}: ${key} on three brokers`);
    assert.equal(env('KAFKA_TRANSACTION_STATE_LOG_MIN_ISR'), '2');
    assert.equal(
      env('KAFKA_AUTO_CREATE_TOPICS_ENABLE'),
      'false',
      'streamtap creates its topics (RF from the cluster size)',
    );
    assert.ok(hasHealthcheck(s), `${name} has a health check`);
  }
  for (const name of ['producer', ...CONSUMERS])
    assert.deepEqual(
      envValue(service(name), 'KAFKA_BROKERS').split(',').sort(),
      advertised.sort(),
      `${name}: KAFKA_BROKERS lists all three brokers`,
    );
});

test('two ClickHouse replicas agree on the cluster, Keeper and macros; each names itself', () => {
  const configs = CLICKHOUSE.map((name) => {
    const file = binds(name).get('/etc/clickhouse-server/config.d/cluster.xml');
    assert.ok(file && existsSync(join(ROOT, file)), `${name} mounts the cluster config`);
    return file;
  });
  assert.equal(new Set(configs).size, 1, 'one file for both replicas');
  const xml = read(configs[0] as string);
  const cluster = /<remote_servers>\s*<(\w+)>/.exec(xml)?.[1];
  assert.ok(cluster, 'a cluster in remote_servers');
  assert.deepEqual(xmlText(xml, 'host').slice(0, 2).sort(), CLICKHOUSE.map((n) => service(n).hostname).sort());
  assert.match(
    xml,
    /<internal_replication>true<\/internal_replication>/,
    'replication copies, not the Distributed table',
  );
  // Keeper: the host and port the servers use are the ones Keeper serves.
  const zk = /<zookeeper>\s*<node>\s*<host>([^<]+)<\/host>\s*<port>(\d+)<\/port>/.exec(xml);
  assert.ok(zk, 'a Keeper node');
  assert.equal(zk[1], service('clickhouse-keeper').hostname);
  const keeperFile = binds('clickhouse-keeper').get('/etc/clickhouse-keeper/keeper_config.xml');
  assert.ok(keeperFile && existsSync(join(ROOT, keeperFile)));
  const keeper = read(keeperFile);
  assert.equal(xmlText(keeper, 'tcp_port')[0], zk[2]);
  assert.equal(xmlText(keeper, 'hostname')[0], service('clickhouse-keeper').hostname);
  assert.match(
    JSON.stringify(service('clickhouse-keeper').healthcheck?.test),
    new RegExp(`${xmlText(keeper, 'port').at(-1)}/ready`),
  );
  // The macros streamtap's replicated DDL uses ({shard}, {replica}); the replica differs per server.
  assert.match(xml, /<macros>[\s\S]*<shard>\w+<\/shard>[\s\S]*<replica from_env="(\w+)" \/>[\s\S]*<\/macros>/);
  const replicaEnv = /<replica from_env="(\w+)" \/>/.exec(xml)?.[1] as string;
  const ddl = walk('src')
    .filter((f) => f.endsWith('.ts'))
    .map(read)
    .join('\n');
  for (const macro of ['{shard}', '{replica}']) assert.ok(ddl.includes(macro), `streamtap's DDL uses ${macro}`);
  const replicas = CLICKHOUSE.map((name) => envValue(service(name), replicaEnv));
  assert.deepEqual(
    replicas,
    CLICKHOUSE.map((n) => service(n).hostname),
    'each replica is named after its host',
  );
  for (const name of CLICKHOUSE) {
    assert.ok(hasHealthcheck(service(name)));
    assert.equal(dependencies(service(name)).get('clickhouse-keeper')?.condition, 'service_healthy');
  }
});

test('two consumers of one group load ON CLUSTER into Distributed tables, each through its own replica', () => {
  const xml = read('docker/cluster/clickhouse-cluster.xml');
  const cluster = /<remote_servers>\s*<(\w+)>/.exec(xml)?.[1];
  const { commands, flags } = cliSurface();
  const urls = new Set<string>();
  for (const name of CONSUMERS) {
    const s = service(name);
    const [argv] = streamtapInvocations(s);
    assert.ok(argv);
    assert.equal(argv[0], 'consume');
    assert.equal(option(argv, '--cluster'), cluster, `${name}: --cluster names the cluster of remote_servers`);
    assert.equal(option(argv, '--distributed'), '', `${name}: --distributed`);
    assert.equal(option(argv, '--group'), undefined, `${name}: the default group, shared by both`);
    assert.ok(!environment(s).has('STREAMTAP_CONSUMER_GROUP'));
    const url = new URL(envValue(s, 'CLICKHOUSE_URL'));
    assert.ok(CLICKHOUSE.includes(url.hostname), `${name}: ${url.hostname} is a ClickHouse service`);
    urls.add(url.hostname);
    for (const key of ['CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD'])
      for (const host of [{}, { [key]: 'from-the-shell' }])
        assert.equal(envValue(s, key, host), envValue(service(url.hostname), key, host), `${name}: ${key} agrees`);
    for (const dep of [...KAFKA, ...CLICKHOUSE])
      assert.equal(dependencies(s).get(dep)?.condition, 'service_healthy', `${name} waits for ${dep}`);
    assert.equal(s.restart, 'unless-stopped');
    assert.equal(s.init, true);
  }
  assert.equal(urls.size, 2, 'the consumers spread over both replicas');
  for (const name of APP_SERVICES)
    for (const argv of streamtapInvocations(service(name))) {
      const [command, ...args] = argv;
      assert.ok(command && commands.has(command), `${name}: \`${command}\` is not a streamtap command`);
      for (const arg of args)
        if (arg.startsWith('--')) assert.ok(flags.has(arg), `${name}: ${arg} is not a streamtap option`);
    }
});

test('Prometheus scrapes the metrics port of the producer and of each consumer; Grafana shows the dashboard', () => {
  const promFile = binds('prometheus').get('/etc/prometheus/prometheus.yml');
  assert.ok(promFile && existsSync(join(ROOT, promFile)));
  const scraped = new Set([...read(promFile).matchAll(/"([\w-]+:\d+)"/g)].map((m) => m[1]));
  const serving = new Set(
    ['producer', ...CONSUMERS].map((name) => {
      const [argv] = streamtapInvocations(service(name));
      const port = option(argv ?? [], '--metrics-port');
      assert.ok(port && /^\d+$/.test(port), `${name} serves /metrics on a fixed port`);
      return `${name}:${port}`;
    }),
  );
  assert.deepEqual([...scraped].sort(), [...serving].sort());
  const grafana = binds('grafana');
  const dashboard = [...grafana].find(([, source]) => source === 'docs/grafana/streamtap.json');
  assert.ok(dashboard, 'Grafana mounts docs/grafana/streamtap.json');
  const providers = grafana.get('/etc/grafana/provisioning/dashboards/streamtap.yml');
  assert.ok(providers && existsSync(join(ROOT, providers)));
  const path = /path:\s*(\S+)/.exec(read(providers))?.[1];
  assert.ok(path && dashboard[0].startsWith(`${path}/`), 'the dashboard lies where the provider looks');
  const datasource = grafana.get('/etc/grafana/provisioning/datasources/streamtap.yml');
  assert.ok(datasource && existsSync(join(ROOT, datasource)));
  assert.match(read(datasource), /url:\s*http:\/\/prometheus:9090/);
  assert.equal(dependencies(service('grafana')).get('prometheus')?.condition, 'service_healthy');
});

test('variables have defaults except secrets from the host; app services set only what streamtap reads', () => {
  const docs = read('docs/docker.md');
  for (const ref of strings(compose).flatMap(references)) {
    assert.ok(
      ref.op === ':-' || ref.op === '-' || REQUIRED_FROM_HOST.includes(ref.name),
      `\${${ref.name}} needs a default`,
    );
    assert.ok(docs.includes(ref.name), `docs/docker.md explains ${ref.name}`);
  }
  const secrets = secretEnvironmentNames();
  for (const name of APP_SERVICES)
    for (const [key, value] of environment(service(name))) {
      assert.ok(readBySource(key) || secrets.has(key), `${name}: ${key} is not read anywhere under src/`);
      if (value === null) assert.ok(REQUIRED_FROM_HOST.includes(key), `${name}: ${key} passed through`);
    }
  assert.equal(environment(service('producer')).get('API_KEY'), null);
});

test('state lives in declared volumes, bind mounts exist, host ports listen on loopback only', () => {
  const declared = new Set(Object.keys(compose.volumes ?? {}));
  for (const [name, s] of Object.entries(services)) {
    for (const v of s.volumes ?? []) {
      const [source, target] = typeof v === 'string' ? v.split(':') : [v.source, v.target];
      assert.ok(source && target, `${name}: volume ${JSON.stringify(v)}`);
      if (source.startsWith('./')) assert.ok(existsSync(join(ROOT, source)), `${name}: ${source} exists`);
      else assert.ok(declared.has(source), `${name}: volume ${source} is declared`);
    }
    for (const p of s.ports ?? [])
      assert.match(interpolate(String(p)), /^127\.0\.0\.1:\d+:\d+$/, `${name}: ${String(p)} on every interface`);
  }
  for (const name of KAFKA)
    assert.ok(
      (service(name).volumes ?? []).some((v) => String(v).endsWith(`:${envValue(service(name), 'KAFKA_LOG_DIRS')}`)),
      `${name}: its log dir is a volume`,
    );
  for (const name of CLICKHOUSE)
    assert.ok((service(name).volumes ?? []).some((v) => String(v).endsWith(':/var/lib/clickhouse')));
});

test('docs/docker.md has the cluster walkthrough and its check of one row per key on every replica', () => {
  const docs = read('docs/docker.md');
  for (const needle of [
    `-f ${FILE}`,
    'SYSTEM SYNC REPLICA',
    'clusterAllReplicas',
    'FINAL',
    'uniqExact',
    'docs/grafana/streamtap.json',
  ])
    assert.ok(docs.includes(needle), `docs/docker.md mentions ${needle}`);
});
