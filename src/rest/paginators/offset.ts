import type { DataSelector } from '../../config/schema.js';
import { compilePath } from '../../expressions/json-path.js';
import type { PageRequest, PageResponse, Paginator } from './paginator.js';
import { RangeState } from './range.js';

export interface OffsetPaginatorConfig {
  readonly limit: number;
  readonly offset: number;
  readonly offset_param?: string | undefined;
  readonly offset_body_path?: DataSelector | undefined;
  readonly limit_param?: string | undefined;
  readonly limit_body_path?: DataSelector | undefined;
  readonly total_path: DataSelector | null;
  readonly maximum_offset?: number | undefined;
  readonly stop_after_empty_page: boolean;
  readonly has_more_path?: DataSelector | undefined;
}

/** dlt's `offset`: `offset` grows by `limit` per page until the total, maximum_offset, an empty page or has_more says stop. */
export class OffsetPaginator implements Paginator {
  readonly description: string;
  private readonly range: RangeState;
  private readonly limitParam: string | undefined;
  private readonly limitBody;

  constructor(private readonly config: OffsetPaginatorConfig) {
    this.range = new RangeState({
      param: config.offset_body_path === undefined ? (config.offset_param ?? 'offset') : undefined,
      bodyPath: config.offset_body_path,
      initial: config.offset,
      step: config.limit,
      baseIndex: 0,
      maximum: config.maximum_offset,
      totalPath: config.total_path,
      stopAfterEmptyPage: config.stop_after_empty_page,
      hasMorePath: config.has_more_path,
      counting: 'items',
    });
    this.limitBody = config.limit_body_path === undefined ? undefined : compilePath(config.limit_body_path);
    this.limitParam = this.limitBody ? undefined : (config.limit_param ?? 'limit');
    this.description = `offset(${this.range.describe()}, limit ${config.limit})`;
  }

  get hasNextPage(): boolean {
    return this.range.hasNextPage;
  }

  get warning(): string | undefined {
    return this.range.shortfall;
  }

  init(request: PageRequest): void {
    this.range.restart(request);
    this.range.write(request, this.limitParam, this.limitBody, this.config.limit);
  }

  update(response: PageResponse, records: readonly unknown[]): void {
    this.range.update(response, records);
  }

  next(request: PageRequest): void {
    this.range.apply(request);
    this.range.write(request, this.limitParam, this.limitBody, this.config.limit);
  }
}
