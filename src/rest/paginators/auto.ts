import { paginatorObjectSchema } from '../../config/schema.js';
import { detectPaginator } from '../detector.js';
import { CursorPaginator } from './cursor.js';
import { PageNumberPaginator } from './page-number.js';
import { HeaderLinkPaginator } from './header-link.js';
import { JsonLinkPaginator } from './json-link.js';
import { PaginationError, type PageRequest, type PageResponse, type Paginator } from './paginator.js';
import { SinglePagePaginator } from './single-page.js';
import { compilePath, MISSING, readPath, type PathSegment } from '../../expressions/json-path.js';

/** dlt's `auto` (and no paginator at all): decides on the first response, then behaves as what it found. */
export class AutoPaginator implements Paginator {
  private inner: Paginator | undefined;
  private request: PageRequest | undefined;

  get description(): string {
    return this.inner ? `auto → ${this.inner.description}` : 'auto (decided on the first response)';
  }

  get hasNextPage(): boolean {
    return this.inner?.hasNextPage ?? true;
  }

  get warning(): string | undefined {
    return this.inner?.warning;
  }

  init(request: PageRequest): void {
    this.request = request;
  }

  update(response: PageResponse, records: readonly unknown[]): void {
    if (this.inner) return this.inner.update(response, records);
    const found = detectPaginator(response);
    // A guessed page_number or cursor paginator takes dlt's defaults for the rest (param `page`/`cursor`).
    this.inner =
      found.type === 'header_link'
        ? new HeaderLinkPaginator({ links_next_key: 'next' })
        : found.type === 'json_link'
          ? new JsonLinkPaginator({ next_url_path: found.next_url_path })
          : found.type === 'page_number'
            ? new PageNumberPaginator(paginatorObjectSchema.parse(found) as never)
            : found.type === 'cursor'
              ? new CursorPaginator(paginatorObjectSchema.parse(found) as never)
              : new SinglePagePaginator();
    this.inner.init(this.request as PageRequest);
    this.inner.update(response, records);
    // A link found by detection that the chosen paginator cannot read back from the very same response would
    // end the walk after page 1 and look like success: a silent partial load.
    const link = found.type === 'json_link' ? readNext(response.body, compilePath(found.next_url_path)) : undefined;
    if (found.type === 'json_link' && typeof link === 'string' && !this.inner.hasNextPage) {
      throw new PaginationError(
        'PAGINATOR_INVALID',
        `auto-detection found a next link at ${found.next_url_path} but could not follow it; configure the paginator explicitly`,
      );
    }
  }

  next(request: PageRequest): void {
    this.inner?.next(request);
  }
}

function readNext(body: unknown, segments: readonly PathSegment[]): unknown {
  const value = readPath(body, segments);
  return value === MISSING ? undefined : value;
}
