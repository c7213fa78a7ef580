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
  /** dlt: stop on a page with no records (default false for cursor, as in dlt) */
  readonly stop_after_empty_page?: boolean | undefined;
  /** dlt: a boolean (or "true"/"false") in the body; false stops, missing or not a boolean is PAGINATOR_INVALID */
  readonly has_more_path?: DataSelector | undefined;
}

/**
 * dlt's `cursor` (JSONResponseCursorPaginator): reads the next cursor from the body and sends it as a
 * query parameter, or at `cursor_body_path` in the JSON body of a POST. No cursor (missing, null, empty): done.
 * Also done on an empty page with `stop_after_empty_page`, and when `has_more_path` says false (any stop wins).
 */
export class CursorPaginator implements Paginator {
  readonly description: string;
  hasNextPage = true;
  private readonly cursorPath;
  private readonly bodyPath;
  private readonly param: string;
  private readonly hasMorePath;
  private cursor: unknown;
  // Every cursor seen this run: an API that hands one back twice would otherwise loop forever.
  private readonly seen = new Set<string>();

  constructor(private readonly config: CursorPaginatorConfig) {
    this.cursorPath = compilePath(config.cursor_path);
    this.bodyPath = config.cursor_body_path === undefined ? undefined : compilePath(config.cursor_body_path);
    this.param = config.cursor_param ?? 'cursor';
    this.hasMorePath = config.has_more_path === undefined ? undefined : compilePath(config.has_more_path);
    const target = this.bodyPath ? `body.${formatSegments(this.bodyPath)}` : this.param;
    this.description = `cursor(${target} ← ${formatSegments(this.cursorPath)})`;
  }

  init(_request: PageRequest): void {}

  update(response: PageResponse, records: readonly unknown[]): void {
    if (this.config.stop_after_empty_page && records.length === 0) {
      this.hasNextPage = false;
      return;
    }
    if (this.hasMorePath) {
      const raw = readPath(response.body, this.hasMorePath);
      const more =
        raw === true || raw === 'true' || raw === 'True'
          ? true
          : raw === false || raw === 'false' || raw === 'False'
            ? false
            : undefined;
      if (more === undefined)
        throw new PaginationError(
          'PAGINATOR_INVALID',
          `has_more_path "${formatSegments(this.hasMorePath)}" is ${raw === MISSING ? 'missing from the response' : `not a boolean: ${JSON.stringify(raw)?.slice(0, 40)}`}`,
        );
      if (!more) {
        this.hasNextPage = false;
        return;
      }
    }
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
