import type { DataSelector } from '../../config/schema.js';
import { stringifyExact } from '../../json/exact-json.js';
import { compilePath, formatSegments, readPath, setPath, MISSING } from '../../expressions/json-path.js';
import {
  PaginationError,
  apiSaysNoMore,
  referenceText,
  type PageRequest,
  type PageResponse,
  type Paginator,
} from './paginator.js';
import { setQueryParam } from '../query.js';

export interface CursorPaginatorConfig {
  readonly cursor_path: DataSelector;
  readonly cursor_param?: string | undefined;
  readonly cursor_body_path?: DataSelector | undefined;
}

/**
 * dlt's `cursor` (JSONResponseCursorPaginator): reads the next cursor from the body and sends it as a
 * query parameter, or at `cursor_body_path` in the JSON body of a POST. No cursor (missing, null, empty): done.
 */
export class CursorPaginator implements Paginator {
  readonly description: string;
  hasNextPage = true;
  private readonly cursorPath;
  private readonly bodyPath;
  private readonly param: string;
  private cursor: unknown;
  // Every cursor seen this run: an API that hands one back twice would otherwise loop forever.
  private readonly seen = new Set<string>();

  constructor(private readonly config: CursorPaginatorConfig) {
    this.cursorPath = compilePath(config.cursor_path);
    this.bodyPath = config.cursor_body_path === undefined ? undefined : compilePath(config.cursor_body_path);
    this.param = config.cursor_param ?? 'cursor';
    const target = this.bodyPath ? `body.${formatSegments(this.bodyPath)}` : this.param;
    this.description = `cursor(${target} ← ${formatSegments(this.cursorPath)})`;
  }

  init(_request: PageRequest): void {}

  update(response: PageResponse, records: readonly unknown[]): void {
    const value = readPath(response.body, this.cursorPath);
    const text = referenceText(value === MISSING ? undefined : value);
    if (text === undefined) {
      this.hasNextPage = false;
      return;
    }
    if (this.seen.has(text)) {
      // Many APIs hand back their last cursor with an empty page or `has_more: false`: that is the end, not a loop.
      if (apiSaysNoMore(response.body, records)) {
        this.hasNextPage = false;
        return;
      }
      throw new PaginationError(
        'CURSOR_LOOP',
        `the API returned cursor ${JSON.stringify(text.slice(0, 80))} at "${formatSegments(this.cursorPath)}" a second time; stopping instead of looping`,
      );
    }
    this.seen.add(text);
    this.cursor = value;
  }

  next(request: PageRequest): void {
    if (this.bodyPath) {
      request.json = structuredClone(request.json ?? {});
      setPath(request.json, this.bodyPath, this.cursor);
    } else {
      setQueryParam(
        request.url,
        this.param,
        typeof this.cursor === 'string' ? this.cursor : stringifyExact(this.cursor),
      );
    }
  }
}
