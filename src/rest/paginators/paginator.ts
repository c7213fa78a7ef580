// The paginator contract, after dlt's: the driver loop calls init once before the first request, then
// update after each response (with the records it selected) and next before each following request,
// while hasNextPage holds. A paginator never sends anything itself; adding one is one file plus one
// line in index.ts.
import { type ErrorCode, StreamtapError } from '../../errors.js';

export interface PageRequest {
  /** replaced by link paginators; query parameters are edited in place by the others */
  url: URL;
  method: 'GET' | 'POST';
  json?: Record<string, unknown> | undefined;
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
  return typeof value === 'string' ? value : JSON.stringify(value);
}
