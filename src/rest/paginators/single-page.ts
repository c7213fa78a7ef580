import type { PageRequest, PageResponse, Paginator } from './paginator.js';

/** The whole collection comes in one response. */
export class SinglePagePaginator implements Paginator {
  readonly description = 'single_page';
  hasNextPage = true;
  init(_request: PageRequest): void {}
  update(_response: PageResponse, _records: readonly unknown[]): void {
    this.hasNextPage = false;
  }
  next(_request: PageRequest): void {}
}
