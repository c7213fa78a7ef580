// Shared by the paginators that are handed the next page's URL (in the body or in a header).
import { PaginationError, type PageRequest } from './paginator.js';

export class NextUrl {
  private next: URL | undefined;
  private readonly seen = new Set<string>();

  constructor(private readonly where: string) {}

  /**
   * Records the reference from a response; returns whether there is a next page. `ended`: the response itself
   * says the data is over (see apiSaysNoMore), so a link seen before ends the walk instead of failing it.
   */
  set(reference: string | undefined, current: URL, ended = false): boolean {
    if (reference === undefined) return false;
    let url: URL;
    try {
      // Relative references resolve against the request that returned them (RFC 3986 §5).
      url = new URL(reference, current);
    } catch {
      throw new PaginationError(
        'PAGINATOR_INVALID',
        `the next-page link at ${this.where} is not a URL: ${JSON.stringify(reference.slice(0, 120))}`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new PaginationError(
        'PAGINATOR_INVALID',
        `the next-page link at ${this.where} is not http(s): ${url.protocol}`,
      );
    }
    if (this.seen.has(url.href) || url.href === current.href) {
      if (ended) return false;
      throw new PaginationError(
        'CURSOR_LOOP',
        `the API linked to ${url.pathname}${url.search} at ${this.where} a second time; stopping instead of looping`,
      );
    }
    this.seen.add(url.href);
    this.next = url;
    return true;
  }

  /** The link replaces the URL whole: its query already holds the API's own paging parameters. */
  apply(request: PageRequest): void {
    if (this.next) request.url = new URL(this.next);
  }
}
