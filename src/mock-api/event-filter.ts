// The `state` and `period` filters of GET /v1/events, as SavvyCal's API reference documents them
// (savvycal.com/docs/api/endpoints/events, "List Events"):
//
//   state   confirmed | canceled | all     default confirmed
//   period  past | upcoming | all          default upcoming
//
// "When events occur" needs a present: the stand-in's clock is STAND_IN_NOW, a fixed instant that belongs
// to its data set, never the host's clock, so the same request always returns the same events.

/** The stand-in's "now": 2023-01-12T00:00:00Z, inside the span its events start in (2023-01-02 on). */
export const STAND_IN_NOW = '2023-01-12T00:00:00Z';
const STAND_IN_NOW_MS = Date.parse(STAND_IN_NOW);

export type EventStateFilter = 'confirmed' | 'canceled' | 'all';
export type EventPeriodFilter = 'past' | 'upcoming' | 'all';

/** What GET /v1/events selects. */
export interface EventFilter {
  state: EventStateFilter;
  period: EventPeriodFilter;
}

/** The documented defaults: a request without `state` or `period` lists upcoming confirmed events. */
export const DEFAULT_EVENT_FILTER: Readonly<EventFilter> = { state: 'confirmed', period: 'upcoming' };

const STATES: readonly EventStateFilter[] = ['confirmed', 'canceled', 'all'];
const PERIODS: readonly EventPeriodFilter[] = ['past', 'upcoming', 'all'];

export type ParsedEventFilter = { ok: true; filter: EventFilter } | { ok: false; message: string };

/**
 * Read `state` and `period` from a query string; an absent or empty parameter takes its default.
 * The reference does not say how the real API answers a value outside the documented ones, so the
 * stand-in refuses it (the server answers 400 with this message) rather than guess a fallback.
 */
export function parseEventFilter(params: URLSearchParams): ParsedEventFilter {
  const state = params.get('state') || DEFAULT_EVENT_FILTER.state;
  const period = params.get('period') || DEFAULT_EVENT_FILTER.period;
  if (!(STATES as readonly string[]).includes(state)) {
    return { ok: false, message: `state must be one of ${STATES.join(', ')} (got ${JSON.stringify(state)})` };
  }
  if (!(PERIODS as readonly string[]).includes(period)) {
    return { ok: false, message: `period must be one of ${PERIODS.join(', ')} (got ${JSON.stringify(period)})` };
  }
  return { ok: true, filter: { state: state as EventStateFilter, period: period as EventPeriodFilter } };
}

/** Whether the filter keeps every event (so pages need no scan). */
export function selectsAll(filter: EventFilter): boolean {
  return filter.state === 'all' && filter.period === 'all';
}

/**
 * Whether `event` is listed under `filter`. `state=confirmed` keeps the state `confirmed` only and
 * `canceled` the state `canceled` (the other states — awaiting approval, tentative, declined, … — are
 * listed by `all` alone). An event is past once it has ended (`end_at` at or before STAND_IN_NOW) and
 * upcoming until then, so one under way is upcoming: the reference does not say, and this way `past`
 * and `upcoming` split `all` with nothing in both or neither.
 */
export function eventMatches(event: { state: string; end_at: string }, filter: EventFilter): boolean {
  if (filter.state !== 'all' && event.state !== filter.state) return false;
  if (filter.period === 'all') return true;
  const ended = Date.parse(event.end_at) <= STAND_IN_NOW_MS;
  return filter.period === 'past' ? ended : !ended;
}
