// GET /v1/events `state` and `period`, as SavvyCal's API reference documents them (savvycal.com/docs/api/
// endpoints/events): state confirmed | canceled | all (default confirmed), period past | upcoming | all
// (default upcoming), against the stand-in's fixed clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  DEFAULT_EVENT_FILTER,
  STAND_IN_NOW,
  eventMatches,
  parseEventFilter,
  startMockApi,
  type EventFilter,
  type MockApi,
} from '../../src/mock-api/index.js';

const TOKEN = 'filter-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface Page {
  entries: Array<{ id: string; state: string; end_at: string }>;
  metadata: { before: string | null; after: string | null; limit: number };
}

async function get(api: MockApi, query: string): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(`${api.url}/v1/events${query === '' ? '' : `?${query}`}`, { headers: AUTH });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as unknown, text };
}

/** Every page of a walk with `after` cursors, from the first request on. */
async function walkPages(api: MockApi, query: Record<string, string>, limit: number): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const qs = new URLSearchParams({ ...query, limit: String(limit) });
    if (cursor !== null) qs.set('after', cursor);
    const { status, body } = await get(api, qs.toString());
    assert.equal(status, 200, JSON.stringify(body));
    const page = body as Page;
    pages.push(page);
    cursor = page.metadata.after;
  } while (cursor !== null && pages.length < 1000);
  return pages;
}

const ids = (rows: Array<{ id: string }>): string[] => rows.map((r) => r.id);
const STATES = ['confirmed', 'canceled', 'all'] as const;
const PERIODS = ['past', 'upcoming', 'all'] as const;

describe('parseEventFilter', () => {
  it('takes the documented defaults when state or period is absent or empty', () => {
    for (const qs of ['', 'state=', 'period=', 'state=&period=']) {
      assert.deepEqual(parseEventFilter(new URLSearchParams(qs)), { ok: true, filter: DEFAULT_EVENT_FILTER });
    }
    assert.deepEqual(DEFAULT_EVENT_FILTER, { state: 'confirmed', period: 'upcoming' });
    assert.deepEqual(parseEventFilter(new URLSearchParams('state=canceled')), {
      ok: true,
      filter: { state: 'canceled', period: 'upcoming' },
    });
    assert.deepEqual(parseEventFilter(new URLSearchParams('period=past')), {
      ok: true,
      filter: { state: 'confirmed', period: 'past' },
    });
  });

  it('refuses values the reference does not list, naming the parameter and the allowed values', () => {
    assert.deepEqual(parseEventFilter(new URLSearchParams('state=tentative')), {
      ok: false,
      message: 'state must be one of confirmed, canceled, all (got "tentative")',
    });
    assert.deepEqual(parseEventFilter(new URLSearchParams('period=future')), {
      ok: false,
      message: 'period must be one of past, upcoming, all (got "future")',
    });
    const upper = parseEventFilter(new URLSearchParams('state=ALL'));
    assert.equal(upper.ok, false, 'values are case-sensitive');
  });
});

describe('eventMatches', () => {
  const at = (end: string, state = 'confirmed') => ({ state, end_at: end });
  it('state=confirmed and state=canceled keep that state only; all keeps every state', () => {
    for (const state of ['awaiting_approval', 'tentative', 'declined', 'awaiting_checkout', 'checkout_expired']) {
      const e = at('2030-01-01T00:00:00Z', state);
      assert.equal(eventMatches(e, { state: 'confirmed', period: 'all' }), false, state);
      assert.equal(eventMatches(e, { state: 'canceled', period: 'all' }), false, state);
      assert.equal(eventMatches(e, { state: 'all', period: 'all' }), true, state);
    }
    assert.equal(eventMatches(at('2030-01-01T00:00:00Z', 'canceled'), { state: 'canceled', period: 'all' }), true);
  });

  it('an event is past once it has ended at the stand-in clock, upcoming until then (also while under way)', () => {
    assert.equal(STAND_IN_NOW, '2023-01-12T00:00:00Z');
    const all: EventFilter = { state: 'all', period: 'all' };
    const cases: Array<[string, 'past' | 'upcoming']> = [
      ['2023-01-11T23:59:59Z', 'past'],
      ['2023-01-12T00:00:00Z', 'past'],
      ['2023-01-12T00:00:01Z', 'upcoming'],
    ];
    for (const [end, period] of cases) {
      assert.equal(eventMatches(at(end), { ...all, period }), true, `${end} is ${period}`);
      assert.equal(eventMatches(at(end), { ...all, period: period === 'past' ? 'upcoming' : 'past' }), false, end);
      assert.equal(eventMatches(at(end), all), true);
    }
  });
});

describe("the quick start's figures", () => {
  it('of the default stand-in (5000 events), the config as written reads 2418 upcoming confirmed events in 121 pages', async () => {
    const api = await startMockApi({ token: TOKEN });
    try {
      const pages = await walkPages(api, {}, 20);
      assert.equal(pages.flatMap((p) => p.entries).length, 2418);
      assert.equal(pages.length, 121);
      assert.equal(api.records('events').length, 5000, 'and state=all&period=all reads all 5000');
    } finally {
      await api.close();
    }
  });
});

describe('GET /v1/events with state and period', () => {
  let api: MockApi;
  before(async () => {
    api = await startMockApi({ token: TOKEN, events: 600, links: 25 });
  });
  after(async () => {
    await api.close();
  });

  it('every combination lists exactly the matching events, in order, across pages', async () => {
    const every = api.records('events') as Array<{ id: string; state: string; end_at: string }>;
    assert.equal(every.length, 600);
    const counts: Record<string, number> = {};
    for (const state of STATES) {
      for (const period of PERIODS) {
        const pages = await walkPages(api, { state, period }, 37);
        const walked = pages.flatMap((p) => p.entries);
        const expected = every.filter((e) => eventMatches(e, { state, period }));
        assert.deepEqual(ids(walked), ids(expected), `state=${state} period=${period}`);
        assert.deepEqual(walked, api.records('events', { state, period }));
        for (const page of pages.slice(0, -1)) assert.equal(page.entries.length, 37, 'full pages until the last');
        if (expected.length > 0) assert.ok(pages.at(-1)?.entries.length, 'the walk ends on its last non-empty page');
        counts[`${state}/${period}`] = walked.length;
      }
    }
    // past and upcoming split each state; the data set holds both, and states beyond confirmed/canceled
    for (const state of STATES) {
      assert.equal(counts[`${state}/past`]! + counts[`${state}/upcoming`]!, counts[`${state}/all`], state);
      assert.ok(counts[`${state}/past`]! > 0 && counts[`${state}/upcoming`]! > 0, `${state}: both periods occur`);
    }
    assert.equal(counts['all/all'], 600);
    assert.ok(counts['confirmed/all']! + counts['canceled/all']! < 600, 'other states are listed by state=all only');
  });

  it('without state and period it lists the upcoming confirmed events, as the reference documents', async () => {
    const walked = (await walkPages(api, {}, 100)).flatMap((p) => p.entries);
    const expected = (api.records('events') as Array<{ id: string; state: string; end_at: string }>).filter(
      (e) => e.state === 'confirmed' && Date.parse(e.end_at) > Date.parse(STAND_IN_NOW),
    );
    assert.ok(expected.length > 0 && expected.length < 600);
    assert.deepEqual(ids(walked), ids(expected));
    const single = await walkPages(api, { state: 'confirmed' }, 100);
    assert.deepEqual(ids(single.flatMap((p) => p.entries)), ids(expected), 'period defaults alone');
  });

  it('before cursors walk a filtered list backwards', async () => {
    const query = { state: 'canceled', period: 'all' };
    const forwards = await walkPages(api, query, 10);
    const last = forwards.at(-1);
    assert.ok(last !== undefined && last.metadata.before !== null);
    const backwards: Page[] = [last];
    let cursor: string | null = last.metadata.before;
    while (cursor !== null) {
      const qs = new URLSearchParams({ ...query, limit: '10', before: cursor });
      const { body } = await get(api, qs.toString());
      const page = body as Page;
      backwards.unshift(page);
      cursor = page.metadata.before;
    }
    assert.deepEqual(
      ids(backwards.flatMap((p) => p.entries)),
      ids(forwards.flatMap((p) => p.entries)),
      'the same events, back to the first',
    );
    assert.equal(forwards[0]?.metadata.before, null, 'no before cursor on the first page');
  });

  it('answers an undocumented state or period with 400 and a message naming it', async () => {
    for (const [query, message] of [
      ['state=tentative', /^state must be one of confirmed, canceled, all/],
      ['period=tomorrow', /^period must be one of past, upcoming, all/],
      ['state=all&period=Past', /^period must be one of/],
    ] as const) {
      const { status, body } = await get(api, query);
      assert.equal(status, 400, query);
      assert.match((body as { error: string }).error, message);
    }
  });

  it('reads no wall clock: the same request gives the same body whatever the time is', async () => {
    const query = 'limit=100&state=all&period=upcoming';
    const first = await get(api, query);
    const realNow = Date.now;
    Date.now = () => realNow() + 20 * 365 * 86_400_000;
    let later: Awaited<ReturnType<typeof get>>;
    try {
      later = await startMockApi({ token: TOKEN, events: 600, links: 25 }).then(async (other) => {
        try {
          return await get(other, query);
        } finally {
          await other.close();
        }
      });
    } finally {
      Date.now = realNow;
    }
    assert.equal(later.text, first.text);
  });

  it('compact events are filtered exactly as the full ones', async () => {
    const compact = await startMockApi({ token: TOKEN, events: 600, links: 25, eventDetail: 'compact' });
    try {
      const query = { state: 'confirmed', period: 'past' };
      const a = (await walkPages(compact, query, 50)).flatMap((p) => p.entries);
      const b = (await walkPages(api, query, 50)).flatMap((p) => p.entries);
      assert.deepEqual(ids(a), ids(b));
    } finally {
      await compact.close();
    }
  });
});
