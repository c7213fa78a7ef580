import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { parseSourceConfig } from '../../src/config/load.js';
import { isFailure, resourceStream, type ResourceStreamItem } from '../../src/producers/resource-stream.js';
import { RestClient } from '../../src/rest/client.js';
import { sendJson, startServer, type TestServer } from '../support/http-server.js';

const servers: TestServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

test('a failing page ends the stream with an in-band failure after every record fetched before it', async () => {
  const server = await startServer((_req, res, url) => {
    const page = Number(url.searchParams.get('page') ?? '1');
    if (page === 3) {
      res.writeHead(200, { 'content-type': 'application/json' });
      // Broken, not cut short: a truncated body would be retried (BODY_TRUNCATED) before failing.
      return res.end('{"data": [oops');
    }
    sendJson(res, 200, { data: [{ id: `${page}a` }, { id: `${page}b` }], next: String(page + 1) });
  });
  servers.push(server);
  const source = parseSourceConfig(
    {
      client: { base_url: server.url },
      resources: [
        {
          name: 'items',
          primary_key: 'id',
          endpoint: {
            path: '/items',
            data_selector: 'data',
            paginator: { type: 'cursor', cursor_path: 'next', cursor_param: 'page' },
          },
        },
      ],
    },
    { name: 't', origin: 't', env: {} },
  );
  const client = new RestClient(source, { secrets: { env: {} } });
  const stream = resourceStream(source.resources[0]!, client);
  // Start the stream filling its buffer, then read nothing until the failing page has been served: a
  // stream destroyed by the error would have thrown away the four buffered records by now.
  stream.read(0);
  while (server.requests.length < 3) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  const items: ResourceStreamItem[] = [];
  for await (const item of stream) items.push(item as ResourceStreamItem);
  await client.close();
  assert.deepEqual(
    items.filter((i) => !isFailure(i)).map((i) => (i as { data: { id: string } }).data.id),
    ['1a', '1b', '2a', '2b'],
  );
  const last = items.at(-1)!;
  assert.ok(isFailure(last));
  assert.match(last.failure.message, /not JSON/);
});
