import type { DataSelector } from '../../config/schema.js';
import type { PageRequest, PageResponse, Paginator } from './paginator.js';
import { RangeState } from './range.js';

export interface PageNumberPaginatorConfig {
  readonly base_page: number;
  readonly page?: number | undefined;
  readonly page_param?: string | undefined;
  readonly page_body_path?: DataSelector | undefined;
  readonly total_path: DataSelector | null;
  readonly maximum_page?: number | undefined;
  readonly stop_after_empty_page: boolean;
  readonly has_more_path?: DataSelector | undefined;
}

/** dlt's `page_number`: the page number grows by one until total pages, maximum_page, an empty page or has_more says stop. */
export class PageNumberPaginator implements Paginator {
  readonly description: string;
  private readonly range: RangeState;

  constructor(config: PageNumberPaginatorConfig) {
    this.range = new RangeState({
      param: config.page_body_path === undefined ? (config.page_param ?? 'page') : undefined,
      bodyPath: config.page_body_path,
      initial: config.page ?? config.base_page,
      step: 1,
      // total_path counts pages; with 1-based pages the last one is total itself
      baseIndex: config.base_page,
      maximum: config.maximum_page,
      totalPath: config.total_path,
      stopAfterEmptyPage: config.stop_after_empty_page,
      hasMorePath: config.has_more_path,
      counting: 'pages',
    });
    this.description = `page_number(${this.range.describe()})`;
  }

  get hasNextPage(): boolean {
    return this.range.hasNextPage;
  }

  init(request: PageRequest): void {
    this.range.restart(request);
  }

  update(response: PageResponse, records: readonly unknown[]): void {
    this.range.update(response, records);
  }

  next(request: PageRequest): void {
    this.range.apply(request);
  }
}
