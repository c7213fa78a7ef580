// Integers beyond 2^53 end to end, as users run streamtap (issue 14 item 1; shared case
// `10-int64-ids-above-2pow53`, copied to test/fixtures/int64-ids): an API of our own serves ids as JSON
// numbers; `streamtap schema infer` types them; `streamtap run` publishes and loads them; the topic is
// read back with an independent decoder and ClickHouse with SQL. Every value is compared exactly.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { IndependentDecoder } from '../support/independent-decoder.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { brokers, testKafka } from '../support/pipeline.js';
import { readTopic } from '../support/topic-reader.js';

const run = promisify(execFile);
const TOKEN = 'int64-token';
const FIXTURE = 'test/fixtures/int64-ids';
const P53 = 2n ** 53n;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const EDGES = [P53 - 1n, P53, P53 + 1n, -(P53 - 1n), -P53, -(P53 + 1n), 2n ** 62n, -(2n ** 62n), INT64_MAX, INT64_MIN];
/** What a decoder holds: a number while it is a safe integer, else a bigint. */
const held = (b: bigint): number | bigint => (b >= -(P53 - 1n) && b <= P53 - 1n ? Number(b) : b);
/** Each edge's partner: its negation where int64 holds it. */
const other = (b: bigint): bigint => (b === INT64_MIN ? INT64_MAX : -b);
const BEYOND = 2n ** 64n + 1n;

// Raw text, never JSON.stringify: the point is numbers a double cannot hold.
const edgesBody = `{"data":[${EDGES.map(
  (b, i) => `{"id":${b},"partner":${other(b)},"beyond":${i === 0 ? BEYOND : i},"name":"edge ${i}"}`,
).join(',')}]}`;

let server: TestServer;
const name = `int64_${randomBytes(4).toString('hex')}`;
const schemasDir = mkdtempSync(join(tmpdir(), 'streamtap-int64-schemas-'));
const dataDir = mkdtempSync(join(tmpdir(), 'streamtap-int64-data-'));
const configFile = join(mkdtempSync(join(tmpdir(), 'streamtap-int64-')), `${name}.json`);

before(async () => {
  const posts = readFileSync(join(FIXTURE, 'posts.json'), 'utf8');
  server = await startServer((req, res, url) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end();
      return;
    }
    const body = url.pathname === '/posts' ? posts : url.pathname === '/edges' ? edgesBody : undefined;
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  const config = JSON.parse(readFileSync(join(FIXTURE, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(configFile, JSON.stringify({ name, ...config }));
});
after(() => server.close());

async function streamtap(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/streamtap.js', ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        KAFKA_BROKERS: brokers,
        STREAMTAP_LOG_LEVEL: 'warn',
        STREAMTAP_SECRET_API_KEY: TOKEN,
      },
      timeout: 180_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const common = () => ['--base-url', server.url, '--schemas', schemasDir];

test('schema infer types ids beyond 2^53 as long, and a value beyond int64 as string', async () => {
  const infer = await streamtap(['schema', 'infer', configFile, ...common()]);
  assert.equal(infer.code, 0, infer.stderr);
  const types = (resource: string) =>
    Object.fromEntries(
      (
        JSON.parse(readFileSync(join(schemasDir, name, `${resource}.avsc`), 'utf8')) as {
          fields: { name: string; type: unknown }[];
        }
      ).fields.map((f) => [f.name, f.type]),
    );
  const posts = types('posts');
  assert.deepEqual(posts.id, 'long');
  assert.deepEqual(posts.author_id, ['null', 'long']);
  assert.deepEqual(posts.id_str, ['null', 'string']);
  const edges = types('edges');
  assert.deepEqual(edges.id, 'long');
  assert.deepEqual(edges.partner, ['null', 'long']);
  assert.deepEqual(edges.beyond, ['null', 'string']);
});

test('streamtap run: two posts stay two keys and two rows; every int64 edge lands exactly on the topic and in ClickHouse', async () => {
  const result = await streamtap(['run', configFile, ...common(), '--data-dir', dataDir]);
  assert.equal(result.code, 0, result.stderr);
  // The case's config keeps dlt's default disposition, append: a MergeTree table, counted by distinct key.
  assert.match(result.stdout, new RegExp(`${name}\\.posts\\s+2\\b`));
  assert.match(result.stdout, new RegExp(`${name}\\.edges\\s+10\\b`));

  const kafka = testKafka();
  const decoder = new IndependentDecoder(schemasDir);
  const posts = await readTopic(kafka, `${name}.posts`);
  assert.deepEqual(posts.map((m) => m.key?.toString()).sort(), ['1790012345678901233', '1790012345678901234']);
  const decodedPosts = posts
    .map((m) => decoder.decode(m.value as Buffer).value)
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
  assert.deepEqual(
    decodedPosts.map((v) => [v.id, v.id_str, v.author_id, v.text, v._extra]),
    [
      [1790012345678901233n, '1790012345678901233', 9007199254740993n, 'first post', null],
      [1790012345678901234n, '1790012345678901234', 9007199254740993n, 'second post, a different one', null],
    ],
  );

  const edges = await readTopic(kafka, `${name}.edges`);
  assert.equal(edges.length, EDGES.length);
  const byKey = new Map(edges.map((m) => [m.key?.toString(), decoder.decode(m.value as Buffer).value]));
  EDGES.forEach((b, i) => {
    const v = byKey.get(b.toString());
    assert.ok(v, `a message keyed ${b}`);
    assert.deepEqual(
      [v.id, v.partner, v.beyond, v.name, v._extra],
      [held(b), held(other(b)), i === 0 ? BEYOND.toString() : String(i), `edge ${i}`, null],
    );
  });

  const sql = async (query: string) => {
    const out = await streamtap(['sql', query, '--data-dir', dataDir, '--format', 'json']);
    assert.equal(out.code, 0, out.stderr);
    return out.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, string>);
  };
  assert.deepEqual(
    await sql(
      `SELECT toString(id) AS id_text, id_str, toString(author_id) AS author, toTypeName(id) AS t FROM ${name}.posts ORDER BY id`,
    ),
    [
      { id_text: '1790012345678901233', id_str: '1790012345678901233', author: '9007199254740993', t: 'Int64' },
      { id_text: '1790012345678901234', id_str: '1790012345678901234', author: '9007199254740993', t: 'Int64' },
    ],
  );
  const rows = await sql(
    `SELECT toString(id) AS id_text, toString(partner) AS partner_text, beyond FROM ${name}.edges ORDER BY id`,
  );
  const sorted = [...EDGES].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  assert.deepEqual(
    rows,
    sorted.map((b) => {
      const i = EDGES.indexOf(b);
      return {
        id_text: b.toString(),
        partner_text: other(b).toString(),
        beyond: i === 0 ? BEYOND.toString() : String(i),
      };
    }),
  );
});
