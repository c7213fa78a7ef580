import { compilePath, MISSING, readPath } from '../json-path.js';
import { compileStopCondition, type StopCondition } from '../stop-condition.js';
import { PaginationError, type PageRequest, type PageResponse, type Paginator } from './paginator.js';

export interface CursorPaginatorConfig {
  readonly cursor_path: string;
  readonly cursor_param: string;
  readonly stop_condition?: string | undefined;
}

/** Reads the next cursor from the body and sends it as a query parameter. */
export class CursorPaginator implements Paginator {
  readonly description: string;
  hasNextPage = true;
  private readonly cursorPath;
  private readonly stop: StopCondition | undefined;
  private cursor: string | undefined;
  // Every cursor seen this run: an API that hands one back twice would otherwise loop forever.
  private readonly seen = new Set<string>();

  constructor(private readonly config: CursorPaginatorConfig) {
    this.cursorPath = compilePath(config.cursor_path);
    this.stop = config.stop_condition === undefined ? undefined : compileStopCondition(config.stop_condition);
    this.description = `cursor(${config.cursor_param} ← ${config.cursor_path}${config.stop_condition ? `, stop when ${config.stop_condition}` : ''})`;
  }

  init(_request: PageRequest): void {}

  update(response: PageResponse, _records: readonly unknown[]): void {
    const value = readPath(response.body, this.cursorPath);
    if (this.stop?.(response.body) || value === MISSING || value === null || value === '') {
      this.hasNextPage = false;
      return;
    }
    const cursor = typeof value === 'string' ? value : JSON.stringify(value);
    if (this.seen.has(cursor)) {
      throw new PaginationError(
        'CURSOR_LOOP',
        `the API returned cursor ${JSON.stringify(cursor.slice(0, 80))} at "${this.config.cursor_path}" a second time; stopping instead of looping`,
      );
    }
    this.seen.add(cursor);
    this.cursor = cursor;
  }

  next(request: PageRequest): void {
    if (this.cursor !== undefined) request.url.searchParams.set(this.config.cursor_param, this.cursor);
  }
}
