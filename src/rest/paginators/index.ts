// The registry from a config's `type` to a paginator. Adding a paginator: one file plus one line here.
import type { PaginatorConfig } from '../../config/schema.js';
import { AutoPaginator } from './auto.js';
import { CursorPaginator } from './cursor.js';
import { HeaderCursorPaginator } from './header-cursor.js';
import { HeaderLinkPaginator } from './header-link.js';
import { JsonLinkPaginator } from './json-link.js';
import { OffsetPaginator } from './offset.js';
import { PageNumberPaginator } from './page-number.js';
import type { Paginator } from './paginator.js';
import { SinglePagePaginator } from './single-page.js';

export type { PageRequest, PageResponse, Paginator } from './paginator.js';
export { PaginationError } from './paginator.js';

type Factory<T extends PaginatorConfig['type']> = (config: Extract<PaginatorConfig, { type: T }>) => Paginator;

const registry: { [T in PaginatorConfig['type']]: Factory<T> } = {
  auto: () => new AutoPaginator(),
  single_page: () => new SinglePagePaginator(),
  json_link: (c) => new JsonLinkPaginator(c),
  json_response: (c) => new JsonLinkPaginator(c),
  header_link: (c) => new HeaderLinkPaginator(c),
  header_cursor: (c) => new HeaderCursorPaginator(c),
  cursor: (c) => new CursorPaginator(c),
  offset: (c) => new OffsetPaginator(c),
  page_number: (c) => new PageNumberPaginator(c),
};

/** A fresh paginator for one walk of one resource; no config means dlt's auto-detection. */
export function createPaginator(config: PaginatorConfig | undefined): Paginator {
  if (!config) return new AutoPaginator();
  const factory = registry[config.type] as Factory<typeof config.type>;
  return factory(config as never);
}
