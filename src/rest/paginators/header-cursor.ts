import {
  PaginationError,
  apiSaysNoMore,
  headerValue,
  referenceText,
  type PageRequest,
  type PageResponse,
  type Paginator,
} from './paginator.js';
import { setQueryParam } from '../query.js';

/** dlt's `header_cursor`: the next cursor is a response header, sent back as a query parameter. */
export class HeaderCursorPaginator implements Paginator {
  readonly description: string;
  hasNextPage = true;
  private cursor: string | undefined;
  private readonly seen = new Set<string>();

  constructor(private readonly config: { readonly cursor_key: string; readonly cursor_param: string }) {
    this.description = `header_cursor(${config.cursor_param} ← header ${config.cursor_key})`;
  }

  init(_request: PageRequest): void {}

  update(response: PageResponse, records: readonly unknown[]): void {
    this.cursor = referenceText(headerValue(response.headers, this.config.cursor_key)?.trim());
    this.hasNextPage = this.cursor !== undefined;
    if (this.cursor === undefined) return;
    if (this.seen.has(this.cursor)) {
      if (apiSaysNoMore(response.body, records)) {
        this.hasNextPage = false;
        return;
      }
      throw new PaginationError(
        'CURSOR_LOOP',
        `the API returned cursor ${JSON.stringify(this.cursor.slice(0, 80))} in header ${this.config.cursor_key} a second time; stopping instead of looping`,
      );
    }
    this.seen.add(this.cursor);
  }

  next(request: PageRequest): void {
    if (this.cursor !== undefined) setQueryParam(request.url, this.config.cursor_param, this.cursor);
  }
}
