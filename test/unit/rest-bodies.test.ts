// Issue 13, kind 1: bodies as real servers send them — compressed, with a BOM, in another charset, empty, with a
// missing or wrong content-type, cut short — against a local HTTP server, asserting the exact records read.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { RestError } from '../../src/rest/errors.js';
import { clientOf, pagesOf, recordsOf, sourceOf, startRecorder } from './rest-support.js';

const BODY = {
  data: [
    { id: 1, name: 'Zoë Müller-Ñandú' },
    { id: 2, name: 'Łukasz' },
  ],
};
const JSON_TEXT = JSON.stringify(BODY);

const resources = (...paths: string[]) => ({
  resources: paths.map((path) => ({
    name: path.slice(1),
    primary_key: 'id',
    endpoint: { path, data_selector: 'data', paginator: 'single_page' },
  })),
});

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string): void {
  res.writeHead(status, headers);
  res.end(body);
}

const routes: Record<string, (res: ServerResponse) => void> = {
  '/gzip': (res) =>
    send(res, 200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(JSON_TEXT)),
  '/deflate': (res) =>
    send(res, 200, { 'content-type': 'application/json', 'content-encoding': 'deflate' }, deflateSync(JSON_TEXT)),
  // Some servers send raw DEFLATE (RFC 1951) under `deflate`; browsers and curl accept it, so do we.
  '/rawdeflate': (res) =>
    send(res, 200, { 'content-type': 'application/json', 'content-encoding': 'deflate' }, deflateRawSync(JSON_TEXT)),
  '/br': (res) =>
    send(res, 200, { 'content-type': 'application/json', 'content-encoding': 'br' }, brotliCompressSync(JSON_TEXT)),
  '/bom': (res) =>
    send(
      res,
      200,
      { 'content-type': 'application/json; charset=utf-8' },
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON_TEXT)]),
    ),
  '/latin1': (res) =>
    send(
      res,
      200,
      { 'content-type': 'application/json; charset=ISO-8859-1' },
      Buffer.from(JSON.stringify({ data: [{ id: 1, name: 'Zoë Müller' }] }), 'latin1'),
    ),
  '/utf16': (res) =>
    send(
      res,
      200,
      { 'content-type': 'application/json' },
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON_TEXT, 'utf16le')]),
    ),
  '/nocontenttype': (res) => send(res, 200, {}, JSON_TEXT),
  '/textplain': (res) => send(res, 200, { 'content-type': 'text/plain' }, JSON_TEXT),
  '/nocontent': (res) => send(res, 204, {}, ''),
  '/resetcontent': (res) => send(res, 205, {}, ''),
  '/emptybody': (res) => send(res, 200, { 'content-type': 'application/json' }, ''),
};

test('bodies: gzip, deflate (zlib and raw), br, a BOM, latin-1, UTF-16 and a missing or wrong content-type all read the same records', async () => {
  const server = await startRecorder((req, res) => (routes[req.url.pathname] as (res: ServerResponse) => void)(res));
  const names = ['/gzip', '/deflate', '/rawdeflate', '/br', '/bom', '/utf16', '/nocontenttype', '/textplain'];
  const client = clientOf(sourceOf(resources(...names, '/latin1'), server.url));
  for (const name of names) assert.deepEqual(await recordsOf(client, name.slice(1)), BODY.data, name);
  assert.deepEqual(await recordsOf(client, 'latin1'), [{ id: 1, name: 'Zoë Müller' }]);
  assert.deepEqual(
    new Set(server.requests.map((r) => r.headers['accept-encoding'])),
    new Set(['gzip, deflate, br']),
    'every request says which codings streamtap decodes',
  );
});

test('bodies: 204, 205 and an empty 200 are a page with no records, not an error', async () => {
  const server = await startRecorder((req, res) => (routes[req.url.pathname] as (res: ServerResponse) => void)(res));
  const client = clientOf(sourceOf(resources('/nocontent', '/resetcontent', '/emptybody'), server.url));
  for (const [name, status] of [
    ['nocontent', 204],
    ['resetcontent', 205],
    ['emptybody', 200],
  ] as const) {
    const pages = await pagesOf(client, name);
    assert.deepEqual(
      pages.map((p) => [p.status, p.records.length]),
      [[status, 0]],
      name,
    );
  }
});

test('bodies: a body cut short is BODY_TRUNCATED and retried; a body that is not JSON shows its first bytes escaped', async () => {
  const server = await startRecorder((req, res) => {
    if (req.url.pathname === '/short') {
      // Announces 200 bytes, sends 20, closes.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
      res.write(JSON_TEXT.slice(0, 20));
      setImmediate(() => res.destroy());
      return;
    }
    if (req.url.pathname === '/shortgzip') {
      const gz = gzipSync(JSON_TEXT);
      return send(
        res,
        200,
        { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        gz.subarray(0, gz.length - 12),
      );
    }
    if (req.url.pathname === '/shortchunked')
      return send(res, 200, { 'content-type': 'application/json' }, JSON_TEXT.slice(0, 30));
    send(res, 200, { 'content-type': 'application/json' }, `\uFEFF\uFEFF\u0000{"data": []}`);
  });
  const sleeps: number[] = [];
  const client = clientOf(sourceOf(resources('/short', '/shortgzip', '/shortchunked', '/garbage'), server.url), {
    sleeps,
  });
  for (const name of ['short', 'shortgzip', 'shortchunked']) {
    await assert.rejects(
      recordsOf(client, name),
      (e: unknown) => e instanceof RestError && e.code === 'BODY_TRUNCATED' && e.context.attempts === 4,
      name,
    );
  }
  assert.equal(sleeps.length, 9, 'three retries for each of the three truncated bodies');
  await assert.rejects(recordsOf(client, 'garbage'), (e: unknown) => {
    assert.ok(e instanceof RestError && e.code === 'BODY_NOT_JSON');
    // The first BOM is the encoding's and is dropped; the second one and the NUL are shown, escaped.
    assert.ok(e.message.includes(String.raw`it starts "\uFEFF\u0000{\"data\": []}"`), e.message);
    return true;
  });
});
