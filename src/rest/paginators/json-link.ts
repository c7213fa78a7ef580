import type { DataSelector } from '../../config/schema.js';
import { compilePath, formatSegments, MISSING, readPath } from '../../expressions/json-path.js';
import { NextUrl } from './next-url.js';
import { apiSaysNoMore, referenceText, type PageRequest, type PageResponse, type Paginator } from './paginator.js';

/** dlt's `json_link`: the next page's URL is in the body at `next_url_path` (absolute or relative). */
export class JsonLinkPaginator implements Paginator {
  readonly description: string;
  hasNextPage = true;
  private readonly path;
  private readonly link: NextUrl;
  private current: URL | undefined;

  constructor(config: { readonly next_url_path: DataSelector }) {
    this.path = compilePath(config.next_url_path);
    this.description = `json_link(${formatSegments(this.path)})`;
    this.link = new NextUrl(`"${formatSegments(this.path)}"`);
  }

  init(request: PageRequest): void {
    this.current = request.url;
  }

  update(response: PageResponse, records: readonly unknown[]): void {
    const value = readPath(response.body, this.path);
    const reference = referenceText(value === MISSING ? undefined : value);
    this.hasNextPage = this.link.set(reference, this.current as URL, apiSaysNoMore(response.body, records));
  }

  next(request: PageRequest): void {
    this.link.apply(request);
    this.current = request.url;
  }
}
