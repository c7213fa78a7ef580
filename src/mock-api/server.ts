// A local stand-in for SavvyCal's public REST API (node:http only).
//
//   GET /v1/events       Paginated List of Event resources        (?after, ?before, ?limit, ?state, ?period)
//   GET /v1/links        Paginated List of Scheduling Link resources
//   GET /v1/time_zones   top-level JSON array of Time Zone resources (no pagination)
//
// Bearer auth, cursor pagination with opaque cursors, limit 1..100 (default 20), /v1/events filtered by
// state and period with the documented defaults (upcoming confirmed events; see event-filter.ts), deterministic
// data (see records.ts), deterministic fault injection, JSON bodies with
// `content-type: application/json; charset=utf-8`. It never logs.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { decodeCursor, encodeCursor, type CursorResource } from './cursor.js';
import { eventMatches, parseEventFilter, selectsAll, type EventFilter } from './event-filter.js';
import { MockDataset, type EventDetail } from './records.js';
import type { ResourceName, SavvyCalEvent } from './types.js';

export interface FaultPlan {
  /** every Nth request (counting all requests to list endpoints, 1-based) is answered with a fault instead of data */
  every: number;
  /** statuses used in rotation, e.g. [429, 503] */
  statuses: number[];
  /** value of the Retry-After header sent with a fault (seconds as string, or an HTTP date); omit to send none */
  retryAfter?: string;
}

export interface MockApiOptions {
  host?: string; // default 127.0.0.1
  port?: number; // default 0 (ephemeral)
  token?: string; // if set, the bearer token must equal it; if unset, any non-empty bearer token is accepted
  events?: number; // default 5000
  links?: number; // default 25
  revision?: number; // default 1; see update()
  faults?: FaultPlan;
  seed?: number; // PRNG seed, default 42; same options => byte-identical responses
  eventDetail?: EventDetail; // default 'full' (~2.4 KB events); 'compact' drops their people (~1.0 KB)
}

export interface MockApiStats {
  /** every HTTP request received, whatever its path or outcome */
  requests: number;
  /** requests answered with an injected fault */
  faults: number;
  /** request count per path (query string removed) */
  byPath: Record<string, number>;
}

export interface MockApi {
  readonly url: string; // e.g. http://127.0.0.1:PORT  (no trailing slash)
  /** a snapshot: each read returns a fresh copy */
  readonly stats: MockApiStats;
  /**
   * The records the API currently holds for 'events' | 'links' | 'time_zones', exactly as serialized (parsed
   * JSON objects). Every event, whatever its state and time, unless `filter` is given: then the events a
   * walk of /v1/events with those `state` and `period` parameters lists.
   */
  records(resource: ResourceName, filter?: EventFilter): unknown[];
  /** change the data: a higher revision modifies a deterministic subset of existing events and links; counts may grow */
  update(change: { revision?: number; events?: number; links?: number }): void;
  close(): Promise<void>;
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** upper bound for cached page bodies, in bytes */
const PAGE_CACHE_BYTES = 64 * 1024 * 1024;
const MAX_COUNT = 0xffffffff;

const LIST_PATHS: ReadonlyMap<string, ResourceName> = new Map<string, ResourceName>([
  ['/v1/events', 'events'],
  ['/v1/links', 'links'],
  ['/v1/time_zones', 'time_zones'],
]);

const FAULT_MESSAGES: Readonly<Record<number, string>> = {
  408: 'request timeout',
  429: 'rate limited',
  500: 'internal server error',
  502: 'bad gateway',
  503: 'service unavailable',
  504: 'gateway timeout',
};

function faultMessage(status: number): string {
  return FAULT_MESSAGES[status] ?? (http.STATUS_CODES[status] ?? 'error').toLowerCase();
}

function errorBody(message: string): Buffer {
  return Buffer.from(JSON.stringify({ error: message }));
}

function assertCount(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_COUNT) {
    throw new RangeError(`${name} must be an integer between 0 and ${MAX_COUNT}, got ${String(value)}`);
  }
  return value;
}

function assertRevision(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`revision must be an integer >= 1, got ${String(value)}`);
  }
  return value;
}

function validateFaults(plan: FaultPlan | undefined): FaultPlan | undefined {
  if (plan === undefined) return undefined;
  if (!Number.isInteger(plan.every) || plan.every < 1) {
    throw new RangeError(`faults.every must be an integer >= 1, got ${String(plan.every)}`);
  }
  if (!Array.isArray(plan.statuses) || plan.statuses.length === 0) {
    throw new RangeError('faults.statuses must be a non-empty array');
  }
  for (const s of plan.statuses) {
    if (!Number.isInteger(s) || s < 400 || s > 599)
      throw new RangeError(`fault status must be 400..599, got ${String(s)}`);
  }
  if (plan.retryAfter !== undefined && (typeof plan.retryAfter !== 'string' || plan.retryAfter === '')) {
    throw new RangeError('faults.retryAfter must be a non-empty string');
  }
  return {
    every: plan.every,
    statuses: [...plan.statuses],
    ...(plan.retryAfter !== undefined ? { retryAfter: plan.retryAfter } : {}),
  };
}

/** Byte-bounded LRU of serialized page bodies (Map iteration order = recency). */
class PageCache {
  private readonly map = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  get(key: string): Buffer | undefined {
    const hit = this.map.get(key);
    if (hit !== undefined) {
      this.map.delete(key);
      this.map.set(key, hit);
    }
    return hit;
  }

  set(key: string, body: Buffer): void {
    if (body.length > this.budget) return;
    const old = this.map.get(key);
    if (old !== undefined) {
      this.bytes -= old.length;
      this.map.delete(key);
    }
    this.map.set(key, body);
    this.bytes += body.length;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.budget) break;
      this.map.delete(k);
      this.bytes -= v.length;
    }
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}

/** Where a page starts: at the beginning, at an `after` cursor (forwards) or at a `before` cursor (backwards). */
type PageAnchor = { from: 'start'; limit: number } | { from: 'after' | 'before'; position: number; limit: number };
type ParsedAnchor = ({ ok: true } & PageAnchor) | { ok: false; message: string };
type ParsedPage = { ok: true; start: number; end: number; limit: number } | { ok: false; message: string };

/** Parse limit/after/before (positions in the whole collection, whatever the filter). */
function parseAnchor(params: URLSearchParams, resource: CursorResource): ParsedAnchor {
  let limit = DEFAULT_LIMIT;
  const rawLimit = params.get('limit');
  if (rawLimit !== null) {
    if (!/^\d{1,9}$/.test(rawLimit))
      return { ok: false, message: `limit must be an integer between 1 and ${MAX_LIMIT}` };
    limit = Number(rawLimit);
    if (limit < 1 || limit > MAX_LIMIT)
      return { ok: false, message: `limit must be an integer between 1 and ${MAX_LIMIT}` };
  }
  const after = params.get('after');
  const before = params.get('before');
  const hasAfter = after !== null && after !== '';
  const hasBefore = before !== null && before !== '';
  if (hasAfter && hasBefore) return { ok: false, message: 'pass either after or before, not both' };
  if (hasAfter || hasBefore) {
    const position = decodeCursor(resource, hasAfter ? after : (before ?? ''));
    if (position === null) return { ok: false, message: 'invalid cursor' };
    return { ok: true, from: hasAfter ? 'after' : 'before', position, limit };
  }
  return { ok: true, from: 'start', limit };
}

/** The page of an unfiltered collection of `count` records. */
function parsePage(params: URLSearchParams, resource: CursorResource, count: number): ParsedPage {
  const anchor = parseAnchor(params, resource);
  if (!anchor.ok) return anchor;
  const { limit } = anchor;
  if (anchor.from === 'after') {
    const start = Math.min(anchor.position, count);
    return { ok: true, start, end: Math.min(start + limit, count), limit };
  }
  if (anchor.from === 'before') {
    const end = Math.min(anchor.position, count);
    return { ok: true, start: Math.max(0, end - limit), end, limit };
  }
  return { ok: true, start: 0, end: Math.min(limit, count), limit };
}

class MockApiServer implements MockApi {
  private baseUrl = '';
  private readonly server: http.Server;
  private readonly dataset: MockDataset;
  private readonly token: string | undefined;
  private readonly faults: FaultPlan | undefined;
  private readonly cache = new PageCache(PAGE_CACHE_BYTES);
  private readonly timeZonesBody: Buffer;
  private revision: number;
  private eventCount: number;
  private linkCount: number;
  private requestCount = 0;
  private faultCount = 0;
  private listRequestCount = 0;
  private readonly byPath = new Map<string, number>();
  private closing: Promise<void> | null = null;

  constructor(options: MockApiOptions) {
    const seed = options.seed ?? 42;
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${String(seed)}`);
    if (options.token !== undefined && (typeof options.token !== 'string' || options.token === '')) {
      throw new RangeError('token must be a non-empty string when set');
    }
    this.token = options.token;
    this.eventCount = assertCount('events', options.events ?? 5000);
    this.linkCount = assertCount('links', options.links ?? 25);
    this.revision = assertRevision(options.revision ?? 1);
    this.faults = validateFaults(options.faults);
    if (options.eventDetail !== undefined && options.eventDetail !== 'full' && options.eventDetail !== 'compact') {
      throw new RangeError(`eventDetail must be 'full' or 'compact', got ${String(options.eventDetail)}`);
    }
    this.dataset = new MockDataset({ seed, linkPool: this.linkCount, eventDetail: options.eventDetail ?? 'full' });
    this.timeZonesBody = Buffer.from(JSON.stringify(this.dataset.timeZones()));
    this.server = http.createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, noDelay: true }, (req, res) => {
      try {
        this.handle(req, res);
      } catch {
        if (!res.headersSent) this.send(res, 500, errorBody('internal server error'));
        else res.destroy();
      }
    });
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    this.server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const addr = this.server.address() as AddressInfo;
    const h = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
    this.baseUrl = `http://${h}:${addr.port}`;
  }

  get url(): string {
    return this.baseUrl;
  }

  get stats(): MockApiStats {
    return { requests: this.requestCount, faults: this.faultCount, byPath: Object.fromEntries(this.byPath) };
  }

  records(resource: ResourceName, filter?: EventFilter): unknown[] {
    switch (resource) {
      case 'events': {
        const out: unknown[] = [];
        for (let i = 0; i < this.eventCount; i++) {
          const event = this.dataset.event(i, this.revision);
          if (filter === undefined || eventMatches(event, filter)) out.push(JSON.parse(JSON.stringify(event)));
        }
        return out;
      }
      case 'links': {
        const out: unknown[] = new Array(this.linkCount);
        for (let i = 0; i < this.linkCount; i++)
          out[i] = JSON.parse(JSON.stringify(this.dataset.link(i, this.revision)));
        return out;
      }
      case 'time_zones':
        return JSON.parse(this.timeZonesBody.toString('utf8')) as unknown[];
      default:
        throw new RangeError(`unknown resource: ${String(resource)}`);
    }
  }

  update(change: { revision?: number; events?: number; links?: number }): void {
    const revision = change.revision === undefined ? this.revision : assertRevision(change.revision);
    const events = change.events === undefined ? this.eventCount : assertCount('events', change.events);
    const links = change.links === undefined ? this.linkCount : assertCount('links', change.links);
    if (events < this.eventCount) throw new RangeError(`events can only grow (${this.eventCount} -> ${events})`);
    if (links < this.linkCount) throw new RangeError(`links can only grow (${this.linkCount} -> ${links})`);
    this.revision = revision;
    this.eventCount = events;
    this.linkCount = links;
    this.cache.clear();
  }

  close(): Promise<void> {
    if (this.closing === null) {
      this.closing = new Promise<void>((resolve, reject) => {
        this.server.close((err) => (err ? reject(err) : resolve()));
        this.server.closeAllConnections();
      });
    }
    return this.closing;
  }

  // -------------------------------------------------------------------------------------------

  private send(res: http.ServerResponse, status: number, body: Buffer, headers?: Record<string, string>): void {
    res.writeHead(status, {
      'content-type': JSON_CONTENT_TYPE,
      'content-length': String(body.length),
      ...headers,
    });
    res.end(body);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requestCount++;
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    this.byPath.set(path, (this.byPath.get(path) ?? 0) + 1);

    const resource = LIST_PATHS.get(path);
    if (resource === undefined) {
      this.send(res, 404, errorBody('not found'));
      return;
    }

    // Fault injection counts every request to a list endpoint, before any other check.
    this.listRequestCount++;
    const plan = this.faults;
    if (plan !== undefined && this.listRequestCount % plan.every === 0) {
      const nth = this.listRequestCount / plan.every; // 1-based fault number
      const status = plan.statuses[(nth - 1) % plan.statuses.length] ?? 503;
      this.faultCount++;
      this.send(
        res,
        status,
        errorBody(faultMessage(status)),
        plan.retryAfter !== undefined ? { 'retry-after': plan.retryAfter } : undefined,
      );
      return;
    }

    if (req.method !== 'GET') {
      this.send(res, 405, errorBody('method not allowed'), { allow: 'GET' });
      return;
    }

    const auth = this.authenticate(req.headers.authorization);
    if (auth !== null) {
      this.send(res, 401, errorBody(auth), { 'www-authenticate': 'Bearer realm="SavvyCal"' });
      return;
    }

    if (resource === 'time_zones') {
      this.send(res, 200, this.timeZonesBody);
      return;
    }

    const count = resource === 'events' ? this.eventCount : this.linkCount;
    const params = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));
    if (resource === 'events') {
      const filter = parseEventFilter(params);
      if (!filter.ok) {
        this.send(res, 400, errorBody(filter.message));
        return;
      }
      if (!selectsAll(filter.filter)) {
        const anchor = parseAnchor(params, resource);
        if (!anchor.ok) {
          this.send(res, 400, errorBody(anchor.message));
          return;
        }
        this.send(res, 200, this.filteredEventsBody(filter.filter, anchor));
        return;
      }
    }
    const page = parsePage(params, resource, count);
    if (!page.ok) {
      this.send(res, 400, errorBody(page.message));
      return;
    }
    this.send(res, 200, this.pageBody(resource, page.start, page.end, page.limit, count));
  }

  /** null when authorized, else the error message */
  private authenticate(header: string | undefined): string | null {
    if (header === undefined || header === '') return 'missing bearer token';
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (m === null) return 'invalid authorization header';
    if (this.token !== undefined && m[1] !== this.token) return 'invalid token';
    return null;
  }

  /**
   * A page of the events `filter` selects. Cursors keep naming positions in the whole collection (so one
   * stays valid when the data changes): the page collects up to `limit` matching events from the anchor
   * on (or, for `before`, back from it). `after` is the position past the last one listed, and null when
   * no matching event follows, so a walk ends on its last non-empty page; `before` is the position of
   * the first one listed, and null when no matching event precedes it.
   */
  private filteredEventsBody(filter: EventFilter, anchor: PageAnchor): Buffer {
    const count = this.eventCount;
    const key =
      anchor.from === 'start'
        ? `events|${this.revision}|${filter.state}|${filter.period}|start|${anchor.limit}|${count}`
        : `events|${this.revision}|${filter.state}|${filter.period}|${anchor.from}|${anchor.position}|${anchor.limit}|${count}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const matches = (i: number): SavvyCalEvent | null => {
      const event = this.dataset.event(i, this.revision);
      return eventMatches(event, filter) ? event : null;
    };
    const listed: { index: number; event: SavvyCalEvent }[] = [];
    if (anchor.from === 'before') {
      for (let i = Math.min(anchor.position, count) - 1; i >= 0 && listed.length < anchor.limit; i--) {
        const event = matches(i);
        if (event !== null) listed.unshift({ index: i, event });
      }
    } else {
      const start = anchor.from === 'after' ? anchor.position : 0;
      for (let i = start; i < count && listed.length < anchor.limit; i++) {
        const event = matches(i);
        if (event !== null) listed.push({ index: i, event });
      }
    }
    const first = listed[0]?.index;
    const last = listed[listed.length - 1]?.index;
    let hasBefore = false;
    for (let i = (first ?? 0) - 1; first !== undefined && i >= 0 && !hasBefore; i--) hasBefore = matches(i) !== null;
    let hasAfter = false;
    for (let i = (last ?? count) + 1; last !== undefined && i < count && !hasAfter; i++) hasAfter = matches(i) !== null;
    const before = hasBefore && first !== undefined ? JSON.stringify(encodeCursor('events', first)) : 'null';
    const after = hasAfter && last !== undefined ? JSON.stringify(encodeCursor('events', last + 1)) : 'null';
    const entries = listed.map((l) => JSON.stringify(l.event)).join(',');
    const body = Buffer.from(
      `{"entries":[${entries}],"metadata":{"before":${before},"after":${after},"limit":${anchor.limit}}}`,
    );
    this.cache.set(key, body);
    return body;
  }

  private pageBody(resource: CursorResource, start: number, end: number, limit: number, count: number): Buffer {
    const key = `${resource}|${this.revision}|${start}|${end}|${limit}|${end < count ? 1 : 0}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const parts: string[] = new Array(end - start);
    for (let i = start; i < end; i++) {
      const record = resource === 'events' ? this.dataset.event(i, this.revision) : this.dataset.link(i, this.revision);
      parts[i - start] = JSON.stringify(record);
    }
    const before = start > 0 ? JSON.stringify(encodeCursor(resource, start)) : 'null';
    const after = end < count ? JSON.stringify(encodeCursor(resource, end)) : 'null';
    const body = Buffer.from(
      `{"entries":[${parts.join(',')}],"metadata":{"before":${before},"after":${after},"limit":${limit}}}`,
    );
    this.cache.set(key, body);
    return body;
  }
}

/** Start the mock API server. Resolves once it is listening; logs nothing. */
export async function startMockApi(options: MockApiOptions = {}): Promise<MockApi> {
  const api = new MockApiServer(options);
  await api.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return api;
}
