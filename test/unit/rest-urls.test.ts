// Issue 13, kind 3: a URL the API gave (a parent record's field, a next link, a Location) is requested byte for
// byte; a parameter streamtap adds is appended without re-encoding the query around it, and never twice.
// The pre-signed URL is after ../shared/cases/14-child-url-from-parent-encoding.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setQueryParam } from '../../src/rest/query.js';
import { clientOf, ids, recordsOf, sendJson, sourceOf, startRecorder } from './rest-support.js';

const SIGNED =
  '/files/r-1/data.json?response-content-disposition=attachment%3B%20filename%3D%22r-1.json%22&X-Amz-Signature=3f9a0c';

test('a URL from a parent record is requested as given; an added parameter is appended, the signed query untouched', async () => {
  const server = await startRecorder((req, res) => {
    if (req.url.pathname === '/reports')
      return sendJson(res, 200, { reports: [{ report_id: 'r-1', download_url: `${server.url}${SIGNED}` }] });
    sendJson(res, 200, { report_id: 'r-1', rows: 10 });
  });
  const client = clientOf(
    sourceOf(
      {
        resources: [
          { name: 'reports', primary_key: 'report_id', endpoint: { path: '/reports', data_selector: 'reports' } },
          { name: 'files', primary_key: 'report_id', endpoint: { path: '{resources.reports.download_url}' } },
          {
            name: 'files_json',
            primary_key: 'report_id',
            endpoint: { path: '{resources.reports.download_url}', params: { format: 'json', 'X-Amz-Signature': 'x' } },
          },
        ],
      },
      server.url,
    ),
  );
  assert.deepEqual(await recordsOf(client, 'files'), [{ report_id: 'r-1', rows: 10 }]);
  assert.deepEqual(await recordsOf(client, 'files_json'), [{ report_id: 'r-1', rows: 10 }]);
  assert.deepEqual(
    server.requests.map((r) => r.rawUrl),
    [
      '/reports',
      SIGNED,
      '/reports',
      // A configured parameter the URL already holds replaces it in place: sent once, never twice.
      '/files/r-1/data.json?response-content-disposition=attachment%3B%20filename%3D%22r-1.json%22&X-Amz-Signature=x&format=json',
    ],
  );
});

test('next links and redirects are requested byte for byte; an api_key in the query is appended to them', async () => {
  const next = '/items/p%202?cursor=a%2Fb%3D%3D&sort=name+asc&empty=&dup=1';
  const server = await startRecorder((req, res) => {
    if (req.url.pathname === '/old') {
      res.writeHead(302, { location: '/items?x=%7E%20y&z=1+2' });
      res.end();
      return;
    }
    if (req.url.pathname === '/items/p%202') return sendJson(res, 200, { data: [{ id: 2 }], next: null });
    sendJson(res, 200, { data: [{ id: 1 }], next });
  });
  const client = clientOf(
    sourceOf(
      {
        client: { auth: { type: 'api_key', name: 'api_key', api_key: { $secret: 'k' }, location: 'query' } },
        resources: [
          {
            name: 'items',
            primary_key: 'id',
            endpoint: { path: '/old', data_selector: 'data', paginator: { type: 'json_link', next_url_path: 'next' } },
          },
        ],
      },
      server.url,
    ),
    { env: { K: 'k3y!' } },
  );
  assert.deepEqual(ids(await recordsOf(client, 'items')), [1, 2]);
  assert.deepEqual(
    server.requests.map((r) => r.rawUrl),
    ['/old?api_key=k3y%21', '/items?x=%7E%20y&z=1+2', `${next}&api_key=k3y%21`],
  );
});

test('setQueryParam: replaces every pair of that name once, in place, and leaves the other bytes alone', () => {
  const url = new URL('https://x.test/p?a=1&b=%20&a=2&c=%2f');
  setQueryParam(url, 'a', 'x y');
  assert.equal(url.search, '?a=x+y&b=%20&c=%2f');
  setQueryParam(url, 'd', '/');
  assert.equal(url.search, '?a=x+y&b=%20&c=%2f&d=%2F');
});
