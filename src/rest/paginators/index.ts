// The registry from a config's `type` to a paginator. Adding a paginator: one file plus one line here.
import type { PaginatorConfig } from '../../config/schema.js';
import { CursorPaginator } from './cursor.js';
import type { Paginator } from './paginator.js';
import { SinglePagePaginator } from './single-page.js';

export type { PageRequest, PageResponse, Paginator } from './paginator.js';
export { PaginationError } from './paginator.js';

type Factory<T extends PaginatorConfig['type']> = (config: Extract<PaginatorConfig, { type: T }>) => Paginator;

const registry: { [T in PaginatorConfig['type']]: Factory<T> } = {
  cursor: (c) => new CursorPaginator(c),
  single_page: () => new SinglePagePaginator(),
};

/** A fresh paginator for one run of one resource; no config means one page. */
export function createPaginator(config: PaginatorConfig | undefined): Paginator {
  if (!config) return new SinglePagePaginator();
  const factory = registry[config.type] as Factory<typeof config.type>;
  return factory(config as never);
}
