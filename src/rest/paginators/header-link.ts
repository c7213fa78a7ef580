import { NextUrl } from './next-url.js';
import { apiSaysNoMore, headerValue, type PageRequest, type PageResponse, type Paginator } from './paginator.js';

/** dlt's `header_link`: the next page is the `Link` header's target with `rel="next"` (RFC 8288). */
export class HeaderLinkPaginator implements Paginator {
  readonly description: string;
  hasNextPage = true;
  private readonly link = new NextUrl('the Link header');
  private current: URL | undefined;

  constructor(private readonly config: { readonly links_next_key: string }) {
    this.description = `header_link(rel="${config.links_next_key}")`;
  }

  init(request: PageRequest): void {
    this.current = request.url;
  }

  update(response: PageResponse, records: readonly unknown[]): void {
    const target = parseLinkHeader(headerValue(response.headers, 'link')).get(this.config.links_next_key.toLowerCase());
    this.hasNextPage = this.link.set(target, this.current as URL, apiSaysNoMore(response.body, records));
  }

  next(request: PageRequest): void {
    this.link.apply(request);
    this.current = request.url;
  }
}

/**
 * `<https://a/b?page=2>; rel="next", <...>; rel="prev last"` → rel → target. Commas inside `<...>` and inside
 * quoted parameter values do not split links; a rel may name several relation types separated by spaces.
 */
export function parseLinkHeader(header: string | undefined): Map<string, string> {
  const links = new Map<string, string>();
  if (!header) return links;
  const re = /<([^>]*)>((?:\s*;\s*[^;,=\s]+(?:\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;,\s]*))?)*)/g;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    const target = m[1] as string;
    const params = m[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;,\s]+))/i.exec(params);
    const value = rel ? (rel[1] ?? rel[2] ?? '') : '';
    for (const type of value.toLowerCase().split(/\s+/).filter(Boolean)) if (!links.has(type)) links.set(type, target);
  }
  return links;
}
