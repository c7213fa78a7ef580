// The paginator contract, after dlt's: the driver loop calls init once, then update after each
// response and next before each following request, while hasNextPage holds.

export interface PageRequest {
  readonly url: URL;
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
  /** read pagination state from a response and its selected records; throw on a protocol violation */
  update(response: PageResponse, records: readonly unknown[]): void;
  /** turn the previous request into the next one */
  next(request: PageRequest): void;
}

export class PaginationError extends Error {
  constructor(
    readonly code: 'CURSOR_LOOP' | 'PAGINATOR_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'PaginationError';
  }
}
