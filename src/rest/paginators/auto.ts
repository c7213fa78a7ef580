import { detectPaginator } from '../detector.js';
import { HeaderLinkPaginator } from './header-link.js';
import { JsonLinkPaginator } from './json-link.js';
import type { PageRequest, PageResponse, Paginator } from './paginator.js';
import { SinglePagePaginator } from './single-page.js';

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

  init(request: PageRequest): void {
    this.request = request;
  }

  update(response: PageResponse, records: readonly unknown[]): void {
    if (!this.inner) {
      const found = detectPaginator(response);
      this.inner =
        found.type === 'header_link'
          ? new HeaderLinkPaginator({ links_next_key: 'next' })
          : found.type === 'json_link'
            ? new JsonLinkPaginator({ next_url_path: found.next_url_path })
            : new SinglePagePaginator();
      this.inner.init(this.request as PageRequest);
    }
    this.inner.update(response, records);
  }

  next(request: PageRequest): void {
    this.inner?.next(request);
  }
}
