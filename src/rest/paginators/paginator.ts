// The paginator contract, after dlt's: the driver loop calls init once before the first request, then
// update after each response (with the records it selected) and next before each following request,
// while hasNextPage holds. A paginator never sends anything itself; adding one is one file plus one
// line in index.ts.
import { type ErrorCode, StreamtapError } from '../../errors.js';
import { stringifyExact } from '../../json/exact-json.js';

export interface PageRequest {
  /** replaced by link paginators; query parameters are edited in place by the others */
  url: URL;
  method: 'GET' | 'POST';
  json?: Record<string, unknown> | undefined;
  /** dlt's `data`: form fields (sent url-encoded) or a raw body; paginators leave it alone */
  data?: string | URLSearchParams | undefined;
}

export interface PageResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

export interface Paginator {
  /** what `streamtap check` and logs show, e.g. `cursor(after ← metadata.after)` */
  readonly description: string;
  readonly hasNextPage: boolean;
  /** adjust the first request (e.g. add a limit) */
  init(request: PageRequest): void;
  /** read pagination state from a response and its selected records; throw PaginationError on a protocol violation */
  update(response: PageResponse, records: readonly unknown[]): void;
  /** turn the previous request into the next one */
  next(request: PageRequest): void;
  /**
   * Read once the walk has ended: why its data may be incomplete though nothing failed (fewer records than the
   * API's total). The walk hands it on as a warning of the resource.
   */
  readonly warning?: string | undefined;
}

export class PaginationError extends StreamtapError {
  constructor(
    override readonly code: typeof ErrorCode.CURSOR_LOOP | typeof ErrorCode.PAGINATOR_INVALID,
    message: string,
  ) {
    super(message);
    this.name = 'PaginationError';
  }
}

/** A response header by case-insensitive name, first value if repeated. */
export function headerValue(headers: PageResponse['headers'], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === lower) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** A next-page reference as text, or undefined when the response says there is none. */
export function referenceText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '' || value === false) return undefined;
  return typeof value === 'string' ? value : stringifyExact(value);
}

/** Keys under which APIs commonly say whether more data follows (`has_more: false` at the end). */
const MORE_KEYS = new Set([
  'has_more',
  'hasmore',
  'more',
  'has_next',
  'hasnext',
  'has_next_page',
  'hasnextpage',
  'more_results',
  'moreresults',
]);

/**
 * Whether a response says the data has ended: no records on it, or a well-known has-more flag (top level or one
 * object down, e.g. `meta.has_more`) that is false. A paginator handed the same cursor or link again ends the walk
 * when this holds and reports a loop only while the API still says there is more (issue 13, kind 4).
 */
export function apiSaysNoMore(body: unknown, records: readonly unknown[]): boolean {
  if (records.length === 0) return true;
  return moreFlag(body, 0) === false;
}

function moreFlag(value: unknown, depth: number): boolean | undefined {
  if (depth > 1 || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (MORE_KEYS.has(key.toLowerCase().replace(/-/g, '_')) && typeof child === 'boolean') return child;
  }
  for (const child of Object.values(value as Record<string, unknown>)) {
    const found = moreFlag(child, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
