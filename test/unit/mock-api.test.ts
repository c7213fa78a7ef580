import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';

import {
  DEFAULT_EVENT_FILTER,
  decodeCursor,
  encodeCursor,
  isTouchedAt,
  MockDataset,
  startMockApi,
  type MockApi,
  type MockApiOptions,
} from '../../src/mock-api/index.js';
import { isoSeconds } from '../../src/mock-api/records.js';
import { loadResourceCodec } from '../../src/avro/schema-store.js';

const TOKEN = 'test-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
/** /v1/events lists upcoming confirmed events unless told otherwise; these tests of paging want them all */
const ALL = 'state=all&period=all';
const ALL_PARAMS = { state: 'all', period: 'all' };

interface Page {
  entries: Array<Record<string, unknown>>;
  metadata: { before: string | null; after: string | null; limit: number };
}

async function getJson(
  url: string,
  headers: Record<string, string> = AUTH,
): Promise<{ status: number; body: unknown; res: Response }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as unknown, res };
}

async function getPage(url: string): Promise<Page> {
  const { status, body } = await getJson(url);
  assert.equal(status, 200, `GET ${url} -> ${status} ${JSON.stringify(body)}`);
  return body as Page;
}

/** Walk a paginated list with `after` cursors; retries faults (429/5xx) a few times. */
async function walk(
  api: MockApi,
  path: string,
  limit: number,
  query: Record<string, string> = {},
): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const qs = new URLSearchParams({ ...query, limit: String(limit) });
    if (cursor !== null) qs.set('after', cursor);
    let page: Page | null = null;
    for (let attempt = 0; attempt < 5 && page === null; attempt++) {
      const { status, body } = await getJson(`${api.url}${path}?${qs.toString()}`);
      if (status === 200) page = body as Page;
      else assert.ok(status === 429 || status >= 500, `unexpected status ${status}`);
    }
    assert.ok(page !== null, 'gave up after retries');
    out.push(...page.entries);
    if (page.metadata.after === null) return out;
    cursor = page.metadata.after;
  }
  throw new Error('too many pages');
}

async function withApi<T>(options: MockApiOptions, fn: (api: MockApi) => Promise<T>): Promise<T> {
  const api = await startMockApi(options);
  try {
    return await fn(api);
  } finally {
    await api.close();
  }
}

const ids = (rows: unknown[]): string[] => rows.map((r) => (r as { id: string }).id);

describe('mock SavvyCal API', () => {
  let api: MockApi;

  before(async () => {
    api = await startMockApi({ token: TOKEN });
  });

  after(async () => {
    await api.close();
  });

  it('serves a loopback url without a trailing slash', () => {
    assert.match(api.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('walking /v1/events?state=all&period=all with limit=100 yields exactly records("events"), in order', async () => {
    const walked = await walk(api, '/v1/events', 100, ALL_PARAMS);
    const records = api.records('events');
    assert.equal(walked.length, 5000);
    assert.equal(new Set(ids(walked)).size, 5000);
    assert.deepEqual(ids(walked), ids(records));
    assert.deepEqual(walked, records);
  });

  it('walks /v1/links the same way', async () => {
    const walked = await walk(api, '/v1/links', 7);
    assert.equal(walked.length, 25);
    assert.deepEqual(walked, api.records('links'));
  });

  it('defaults to limit 20 and the upcoming confirmed events, and returns the Paginated List shape', async () => {
    const { status, body, res } = await getJson(`${api.url}/v1/events`);
    assert.equal(status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    const page = body as Page;
    assert.deepEqual(Object.keys(page), ['entries', 'metadata']);
    assert.deepEqual(Object.keys(page.metadata), ['before', 'after', 'limit']);
    assert.equal(page.entries.length, 20);
    assert.equal(page.metadata.limit, 20);
    assert.equal(page.metadata.before, null);
    assert.equal(typeof page.metadata.after, 'string');
    assert.deepEqual(ids(page.entries), ids(api.records('events', DEFAULT_EVENT_FILTER).slice(0, 20)));
  });

  it('rejects limit above 100, below 1 or not a number with 400 JSON', async () => {
    for (const limit of ['101', '0', 'abc', '20.5', '-1', '']) {
      const { status, body, res } = await getJson(`${api.url}/v1/events?limit=${limit}`);
      assert.equal(status, 400, `limit=${limit}`);
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(typeof (body as { error: unknown }).error, 'string');
    }
    const ok = await getPage(`${api.url}/v1/events?limit=100`);
    assert.equal(ok.entries.length, 100);
  });

  it('answers 401 with a JSON body without a token, with a wrong token, or with another scheme', async () => {
    const variants: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer nope' },
      { authorization: `Basic ${TOKEN}` },
      { authorization: 'Bearer' },
    ];
    for (const headers of variants) {
      const { status, body, res } = await getJson(`${api.url}/v1/events`, headers);
      assert.equal(status, 401, JSON.stringify(headers));
      assert.equal(typeof (body as { error: unknown }).error, 'string');
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="SavvyCal"');
    }
    const tz = await getJson(`${api.url}/v1/time_zones`, {});
    assert.equal(tz.status, 401);
  });

  it('accepts any non-empty bearer token when no token is configured', async () => {
    await withApi({ events: 3 }, async (open) => {
      assert.equal((await getJson(`${open.url}/v1/events`, { authorization: 'Bearer whatever' })).status, 200);
      assert.equal((await getJson(`${open.url}/v1/events`, { authorization: 'bearer x' })).status, 200);
      assert.equal((await getJson(`${open.url}/v1/events`, {})).status, 401);
    });
  });

  it('serves /v1/time_zones as a top-level array of Time Zone resources', async () => {
    const { status, body } = await getJson(`${api.url}/v1/time_zones`);
    assert.equal(status, 200);
    assert.ok(Array.isArray(body));
    assert.ok(body.length >= 40);
    assert.deepEqual(body, api.records('time_zones'));
    const chicago = (body as Array<Record<string, unknown>>).find((z) => z.id === 'America/Chicago');
    assert.ok(chicago);
    for (const key of [
      'abbreviation',
      'aliases',
      'canonical',
      'dst',
      'formatted_offset',
      'generic_long_name',
      'golden',
      'id',
      'legacy',
      'long_name',
      'metazone',
      'offset',
      'offset_std',
      'offset_utc',
      'period',
      'windows_zone',
    ]) {
      assert.ok(key in chicago, key);
    }
    assert.equal(chicago.offset, -21600);
    assert.equal(chicago.abbreviation, 'CST');
    assert.deepEqual(chicago.aliases, ['US/Central']);
    assert.equal(new Set(ids(body)).size, body.length);
  });

  it('answers unknown paths with 404 JSON and other methods with 405', async () => {
    const nf = await getJson(`${api.url}/v1/nope`);
    assert.equal(nf.status, 404);
    assert.deepEqual(nf.body, { error: 'not found' });
    const res = await fetch(`${api.url}/v1/events`, { method: 'POST', headers: AUTH, body: '{}' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET');
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await res.json(), { error: 'method not allowed' });
  });

  it('rejects malformed cursors with 400', async () => {
    const good = encodeCursor('events', 40);
    const flipped = `${good.slice(0, 5)}${good[5] === 'A' ? 'B' : 'A'}${good.slice(6)}`;
    const bad = ['abc', 'not a cursor', good.slice(0, -2), `${good}AA`, encodeCursor('links', 40), flipped, '%%%'];
    for (const cursor of bad) {
      for (const param of ['after', 'before']) {
        const { status, body } = await getJson(`${api.url}/v1/events?${param}=${encodeURIComponent(cursor)}`);
        assert.equal(status, 400, `${param}=${cursor}`);
        assert.equal(typeof (body as { error: unknown }).error, 'string');
      }
    }
    const both = await getJson(
      `${api.url}/v1/events?after=${encodeURIComponent(good)}&before=${encodeURIComponent(good)}`,
    );
    assert.equal(both.status, 400);
  });

  it('uses standard base64 cursors that must be URL-encoded', async () => {
    let pos = 1;
    while (!encodeCursor('events', pos).includes('+')) pos++;
    assert.ok(pos < 5000, 'no cursor with a + found');
    const cursor = encodeCursor('events', pos);
    assert.equal(decodeCursor('events', cursor), pos);
    const raw = await getJson(`${api.url}/v1/events?after=${cursor}`);
    assert.equal(raw.status, 400, 'an unencoded + arrives as a space');
    const page = await getPage(`${api.url}/v1/events?after=${encodeURIComponent(cursor)}&limit=3&${ALL}`);
    assert.deepEqual(ids(page.entries), ids(api.records('events').slice(pos, pos + 3)));
  });

  it('supports before cursors and an empty page past the end', async () => {
    const records = ids(api.records('events'));
    const second = await getPage(
      `${api.url}/v1/events?after=${encodeURIComponent(encodeCursor('events', 50))}&limit=50&${ALL}`,
    );
    assert.deepEqual(ids(second.entries), records.slice(50, 100));
    assert.ok(second.metadata.before !== null);
    const first = await getPage(
      `${api.url}/v1/events?before=${encodeURIComponent(second.metadata.before)}&limit=50&${ALL}`,
    );
    assert.deepEqual(ids(first.entries), records.slice(0, 50));
    assert.equal(first.metadata.before, null);
    const last = await getPage(
      `${api.url}/v1/events?after=${encodeURIComponent(encodeCursor('events', 4990))}&limit=100&${ALL}`,
    );
    assert.equal(last.entries.length, 10);
    assert.equal(last.metadata.after, null);
    const past = await getPage(`${api.url}/v1/events?after=${encodeURIComponent(encodeCursor('events', 9999))}&${ALL}`);
    assert.deepEqual(past.entries, []);
    assert.equal(past.metadata.after, null);
  });

  it('keeps connections alive', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const reused: boolean[] = [];
      for (let i = 0; i < 4; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = http.get(`${api.url}/v1/links?limit=1`, { agent, headers: AUTH }, (res) => {
            assert.equal(res.headers.connection, 'keep-alive');
            assert.match(String(res.headers['keep-alive']), /timeout=65/);
            res.resume();
            res.on('end', () => resolve());
          });
          reused.push(req.reusedSocket);
          req.on('error', reject);
        });
      }
      assert.deepEqual(reused, [false, true, true, true]);
    } finally {
      agent.destroy();
    }
  });

  it('serves events with the documented fields and realistic values', async () => {
    const events = api.records('events') as Array<Record<string, unknown>>;
    const first = events[0];
    assert.ok(first);
    assert.deepEqual(Object.keys(first), [
      'id',
      'state',
      'summary',
      'description',
      'additional_info',
      'location',
      'created_at',
      'start_at',
      'end_at',
      'duration',
      'buffer_before',
      'buffer_after',
      'canceled_at',
      'cancel_reason',
      'rescheduled_at',
      'reschedule_reason',
      'original_start_at',
      'original_end_at',
      'conferencing',
      'link',
      'poll',
      'scope',
      'scheduler',
      'organizer',
      'attendees',
      'payment',
      'metadata',
      'url',
      'description_settings',
      'is_group_session',
      'maximum_group_size',
      'location_settings',
    ]);
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
    const states = new Set<string>();
    const nulls = {
      canceled_at: 0,
      additional_info: 0,
      link: 0,
      scheduler: 0,
      payment: 0,
      rescheduled_at: 0,
      poll: 0,
      description: 0,
      location: 0,
      location_settings: 0,
    };
    const paymentNulls = { url: 0, amount_total: 0 };
    let groups = 0;
    let bytes = 0;
    for (const e of events) {
      bytes += JSON.stringify(e).length;
      assert.match(e.id as string, /^event_[0-9A-HJKMNP-TV-Z]{26}$/);
      for (const k of ['created_at', 'start_at', 'end_at', 'original_start_at', 'original_end_at'])
        assert.match(e[k] as string, iso);
      assert.ok(Number.isInteger(e.duration));
      assert.equal(Date.parse(e.end_at as string) - Date.parse(e.start_at as string), (e.duration as number) * 60_000);
      assert.ok(Date.parse(e.start_at as string) > Date.parse(e.created_at as string));
      states.add(e.state as string);
      if (e.state === 'canceled') assert.match(e.canceled_at as string, iso);
      else assert.equal(e.canceled_at, null);
      const organizer = e.organizer as Record<string, unknown>;
      assert.equal(organizer.is_organizer, true);
      const attendees = e.attendees as Array<Record<string, unknown>>;
      assert.deepEqual(attendees[0], organizer);
      if (e.scheduler !== null)
        assert.ok(attendees.some((a) => a.is_scheduler === true && a.id === (e.scheduler as { id: string }).id));
      for (const a of attendees) assert.match(a.id as string, /^attendee_[0-9A-HJKMNP-TV-Z]{26}$/);
      for (const k of Object.keys(nulls) as Array<keyof typeof nulls>) if (e[k] === null) nulls[k]++;
      const payment = e.payment as Record<string, unknown> | null;
      if (payment !== null) {
        if (payment.url === null) paymentNulls.url++;
        if (payment.amount_total === null) {
          paymentNulls.amount_total++;
          for (const k of ['amount_subtotal', 'amount_tax', 'amount_discount', 'amount_shipping'])
            assert.equal(payment[k], null, `${k} is null with amount_total`);
        }
      }
      const settings = e.description_settings as Record<string, unknown>;
      assert.deepEqual(Object.keys(settings), ['include_attendees', 'include_fields', 'include_link_name']);
      for (const v of Object.values(settings)) assert.equal(typeof v, 'boolean');
      assert.equal(typeof e.is_group_session, 'boolean');
      assert.ok(Number.isInteger(e.maximum_group_size) && (e.maximum_group_size as number) >= 1);
      if (e.is_group_session === true) groups++;
      else assert.equal(e.maximum_group_size, 1);
      assert.ok(
        e.location_settings === null || (Array.isArray(e.location_settings) && e.location_settings.length === 0),
      );
      for (const v of Object.values(e.metadata as Record<string, unknown>)) assert.equal(typeof v, 'string');
    }
    for (const [k, n] of Object.entries(paymentNulls)) assert.ok(n > 0, `payment.${k} is never null`);
    assert.ok(groups > 0 && groups < events.length, `${groups} group sessions`);
    for (const s of [
      'confirmed',
      'canceled',
      'tentative',
      'declined',
      'awaiting_checkout',
      'checkout_expired',
      'awaiting_approval',
    ]) {
      assert.ok(states.has(s), `state ${s} never generated`);
    }
    for (const [k, n] of Object.entries(nulls)) {
      assert.ok(n > 0, `${k} is never null`);
      assert.ok(n < events.length, `${k} is always null`);
    }
    const avg = bytes / events.length;
    assert.ok(avg > 1000 && avg < 4000, `average event size ${avg}`);
    const created = events.map((e) => e.created_at as string);
    assert.deepEqual([...created].sort(), created, 'events are listed in creation order');
  });

  it('serves links with the documented fields', () => {
    const links = api.records('links') as Array<Record<string, unknown>>;
    const first = links[0];
    assert.ok(first);
    assert.deepEqual(Object.keys(first), [
      'id',
      'state',
      'slug',
      'name',
      'private_name',
      'description',
      'durations',
      'default_duration',
      'scope',
      'fields',
    ]);
    for (const l of links) {
      assert.match(l.id as string, /^link_[0-9A-HJKMNP-TV-Z]{26}$/);
      assert.ok(l.state === 'active' || l.state === 'disabled');
      assert.deepEqual(Object.keys(l.scope as object), ['id', 'name', 'slug']);
    }
    assert.equal(
      new Set(links.map((l) => `${(l.scope as { slug: string }).slug}/${l.slug as string}`)).size,
      links.length,
    );
    const byId = new Map(links.map((l) => [l.id, l]));
    for (const e of api.records('events') as Array<{ link: { id: string; slug: string; name: string } | null }>) {
      if (e.link === null) continue;
      const l = byId.get(e.link.id);
      assert.ok(l, 'event references an unknown link');
      assert.equal(e.link.slug, l.slug);
      assert.equal(e.link.name, l.name);
    }
  });

  it('counts requests in stats', async () => {
    await withApi({ events: 5 }, async (fresh) => {
      await getJson(`${fresh.url}/v1/events`, { authorization: 'Bearer x' });
      await getJson(`${fresh.url}/v1/events?limit=2`, { authorization: 'Bearer x' });
      await getJson(`${fresh.url}/missing`, { authorization: 'Bearer x' });
      const snap = fresh.stats;
      assert.deepEqual(snap, { requests: 3, faults: 0, byPath: { '/v1/events': 2, '/missing': 1 } });
      snap.requests = 99;
      assert.equal(fresh.stats.requests, 3, 'stats is a snapshot');
    });
  });
});

describe('fault injection', () => {
  it('answers every Nth list request with the next status in rotation and Retry-After', async () => {
    await withApi(
      { token: TOKEN, events: 300, faults: { every: 3, statuses: [429, 503], retryAfter: '2' } },
      async (api) => {
        const seen: Array<[number, string | null, unknown]> = [];
        const paths = [
          '/v1/events',
          '/v1/links',
          '/v1/events',
          '/v1/time_zones',
          '/v1/links',
          '/v1/events',
          '/v1/events',
          '/v1/links',
          '/v1/events',
        ];
        for (const path of paths) {
          const { status, res, body } = await getJson(`${api.url}${path}`);
          seen.push([status, res.headers.get('retry-after'), status === 200 ? null : body]);
        }
        // a request to an unknown path is not a list request and does not advance the rotation
        assert.equal((await getJson(`${api.url}/v2/other`)).status, 404);
        const tenth = await getJson(`${api.url}/v1/events`);
        assert.deepEqual(seen, [
          [200, null, null],
          [200, null, null],
          [429, '2', { error: 'rate limited' }],
          [200, null, null],
          [200, null, null],
          [503, '2', { error: 'service unavailable' }],
          [200, null, null],
          [200, null, null],
          [429, '2', { error: 'rate limited' }],
        ]);
        assert.equal(tenth.status, 200);
        assert.equal(api.stats.faults, 3);
        assert.equal(api.stats.requests, 11);
      },
    );
  });

  it('sends no Retry-After when none is configured; a retried request succeeds', async () => {
    await withApi({ events: 250, faults: { every: 2, statuses: [500] } }, async (api) => {
      const h = { authorization: 'Bearer x' };
      assert.equal((await getJson(`${api.url}/v1/events`, h)).status, 200);
      const fault = await getJson(`${api.url}/v1/events`, h);
      assert.equal(fault.status, 500);
      assert.equal(fault.res.headers.get('retry-after'), null);
      assert.deepEqual(fault.body, { error: 'internal server error' });
      assert.equal((await getJson(`${api.url}/v1/events`, h)).status, 200);
    });
  });

  it('a client that retries faults still reads every record', async () => {
    await withApi({ token: TOKEN, events: 1234, faults: { every: 4, statuses: [429, 502, 503] } }, async (api) => {
      const walked = await walk(api, '/v1/events', 100, ALL_PARAMS);
      assert.deepEqual(ids(walked), ids(api.records('events')));
      assert.ok(api.stats.faults >= 4);
    });
  });
});

describe('update()', () => {
  it('a higher revision changes a deterministic subset and appends new records', async () => {
    await withApi({ token: TOKEN, events: 700, links: 25 }, async (api) => {
      const v1 = api.records('events') as Array<Record<string, unknown>>;
      const l1 = api.records('links') as Array<Record<string, unknown>>;
      api.update({ revision: 2, events: 750, links: 30 });
      const v2 = await walk(api, '/v1/events', 100, ALL_PARAMS);
      const l2 = await walk(api, '/v1/links', 100);
      assert.deepEqual(v2, api.records('events'));
      assert.equal(v2.length, 750);
      assert.equal(l2.length, 30);
      assert.deepEqual(ids(v2.slice(0, 700)), ids(v1), 'existing ids keep their position');
      assert.deepEqual(ids(l2.slice(0, 25)), ids(l1));
      assert.equal(new Set(ids(v2)).size, 750);
      assert.equal(new Set(ids(l2)).size, 30);

      const changed = v1.map((e, i) => JSON.stringify(e) !== JSON.stringify(v2[i]));
      const expected = v1.map((_, i) => isTouchedAt(i, 2));
      assert.deepEqual(changed, expected, 'exactly the revision-2 subset changed');
      assert.equal(changed.filter(Boolean).length, 100);
      const linkChanged = l1.map((l, i) => JSON.stringify(l) !== JSON.stringify(l2[i]));
      assert.deepEqual(
        linkChanged,
        l1.map((_, i) => isTouchedAt(i, 2)),
      );

      // what changed is realistic: ids, creation time and attendees' identities stay
      for (let i = 0; i < 700; i++) {
        if (!changed[i]) continue;
        const a = v1[i] as Record<string, unknown>;
        const b = v2[i] as Record<string, unknown>;
        assert.equal(a.id, b.id);
        assert.equal(a.created_at, b.created_at);
        assert.deepEqual(ids(a.attendees as unknown[]), ids(b.attendees as unknown[]));
      }

      // revision 3 builds on revision 2
      api.update({ revision: 3 });
      const v3 = api.records('events') as Array<Record<string, unknown>>;
      for (let i = 0; i < 750; i++) {
        const touched3 = isTouchedAt(i, 3);
        assert.equal(JSON.stringify(v3[i]) !== JSON.stringify(v2[i]), touched3, `event ${i}`);
      }
      assert.throws(() => api.update({ events: 10 }), RangeError);
      assert.throws(() => api.update({ revision: 0 }), RangeError);
    });
  });

  it('a cursor taken before an update stays valid after it', async () => {
    await withApi({ token: TOKEN, events: 300 }, async (api) => {
      const page = await getPage(`${api.url}/v1/events?limit=100&${ALL}`);
      assert.ok(page.metadata.after !== null);
      api.update({ revision: 2, events: 400 });
      const next = await getPage(
        `${api.url}/v1/events?limit=100&after=${encodeURIComponent(page.metadata.after)}&${ALL}`,
      );
      assert.deepEqual(ids(next.entries), ids(api.records('events').slice(100, 200)));
    });
  });
});

describe('determinism', () => {
  async function bodies(options: MockApiOptions): Promise<string[]> {
    return withApi(options, async (api) => {
      const out: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `${api.url}/v1/events?limit=100&${ALL}${cursor === null ? '' : `&after=${encodeURIComponent(cursor)}`}`;
        const res = await fetch(url, { headers: { authorization: 'Bearer x' } });
        const text = await res.text();
        out.push(text);
        cursor = (JSON.parse(text) as Page).metadata.after;
      } while (cursor !== null);
      for (const path of ['/v1/links?limit=100', '/v1/time_zones']) {
        out.push(await (await fetch(`${api.url}${path}`, { headers: { authorization: 'Bearer x' } })).text());
      }
      return out;
    });
  }

  it('same options give byte-identical bodies; another seed gives other data', async () => {
    const a = await bodies({ events: 1000, seed: 7, revision: 2 });
    const b = await bodies({ events: 1000, seed: 7, revision: 2 });
    assert.equal(a.length, 12);
    assert.deepEqual(a, b);
    const c = await bodies({ events: 1000, seed: 8, revision: 2 });
    assert.notEqual(a[0], c[0]);
    assert.equal(a[11], c[11], 'time zones do not depend on the seed');
  });

  it('record builders are pure functions of (seed, index, revision)', () => {
    const x = new MockDataset({ seed: 42, linkPool: 25 });
    const y = new MockDataset({ seed: 42, linkPool: 25 });
    for (const i of [0, 1, 999, 123_456, 999_999]) {
      assert.deepEqual(y.event(i, 1), x.event(i, 1));
      assert.deepEqual(y.event(i, 5), x.event(i, 5));
      assert.deepEqual(x.event(i, 1), x.event(i, 1));
    }
    assert.deepEqual(x.link(3, 2), y.link(3, 2));
  });

  it('compact events are the full events without their people, about 1.2 KB, and fit the events schema', async () => {
    const full = new MockDataset({ seed: 42, linkPool: 25 });
    const compact = new MockDataset({ seed: 42, linkPool: 25, eventDetail: 'compact' });
    const codec = await loadResourceCodec('schemas', 'savvycal', 'events');
    let bytes = 0;
    for (let i = 0; i < 1000; i++) {
      const c = compact.event(i, 3);
      assert.deepEqual(c, { ...full.event(i, 3), organizer: null, scheduler: null, attendees: [] });
      bytes += Buffer.byteLength(JSON.stringify(c));
      assert.equal(
        codec.shape(c as unknown as Record<string, unknown>).extra,
        null,
        `event ${i} has values outside the schema`,
      );
    }
    assert.ok(bytes / 1000 > 1100 && bytes / 1000 < 1350, `mean compact event ${bytes / 1000} bytes`);
    await assert.rejects(startMockApi({ eventDetail: 'tiny' as 'full' }), /eventDetail must be 'full' or 'compact'/);
  });

  it('formats timestamps like Date#toISOString without milliseconds', () => {
    for (const ms of [
      0, 951_782_400_000, 951_868_800_000, 1_709_251_199_999, 1_709_251_200_000, 4_102_444_800_000, -86_400_000,
    ]) {
      assert.equal(isoSeconds(ms), `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`);
    }
  });

  it('rejects invalid options', async () => {
    await assert.rejects(startMockApi({ events: -1 }), RangeError);
    await assert.rejects(startMockApi({ faults: { every: 0, statuses: [429] } }), RangeError);
    await assert.rejects(startMockApi({ faults: { every: 2, statuses: [] } }), RangeError);
    await assert.rejects(startMockApi({ token: '' }), RangeError);
    await assert.rejects(startMockApi({ seed: 1.5 }), RangeError);
  });
});
