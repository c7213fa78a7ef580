// Shared by offset and page_number (dlt's RangePaginator): a number that grows by a step per page, sent as
// a query parameter or inside the JSON body, with dlt's stops: an empty page, the total, a maximum, has_more.
import type { DataSelector } from '../../config/schema.js';
import {
  compilePath,
  formatSegments,
  MISSING,
  readPath,
  setPath,
  type PathSegment,
} from '../../expressions/json-path.js';
import { PaginationError, type PageRequest, type PageResponse } from './paginator.js';
import { setQueryParam } from '../query.js';

export interface RangeOptions {
  readonly param: string | undefined;
  readonly bodyPath: DataSelector | undefined;
  readonly initial: number;
  readonly step: number;
  /** added to the total before comparing: a 1-based page count ends at total + 1 */
  readonly baseIndex: number;
  readonly maximum: number | undefined;
  readonly totalPath: DataSelector | null;
  readonly stopAfterEmptyPage: boolean;
  readonly hasMorePath: DataSelector | undefined;
  /** `items` or `pages`, for messages */
  readonly counting: string;
}

export class RangeState {
  hasNextPage = true;
  value: number;
  /** the last total the API stated: many state it on page 1 only, or turn it null on later pages */
  private total: number | undefined;
  /** records received over the walk, to compare with the API's total at the end */
  private received = 0;
  /** set at the end of a walk that received fewer records than the API's total implies */
  shortfall: string | undefined;
  private readonly bodyPath: readonly PathSegment[] | undefined;
  private readonly totalPath: readonly PathSegment[] | undefined;
  private readonly hasMorePath: readonly PathSegment[] | undefined;

  constructor(private readonly o: RangeOptions) {
    this.value = o.initial;
    this.bodyPath = o.bodyPath === undefined ? undefined : compilePath(o.bodyPath);
    this.totalPath = o.totalPath === null ? undefined : compilePath(o.totalPath);
    this.hasMorePath = o.hasMorePath === undefined ? undefined : compilePath(o.hasMorePath);
  }

  /** `offset=0, total ← total, stop on empty page` */
  describe(): string {
    const stops = [
      this.totalPath ? `total ← ${formatSegments(this.totalPath)}` : undefined,
      this.o.maximum !== undefined ? `maximum ${this.o.maximum}` : undefined,
      this.hasMorePath ? `has_more ← ${formatSegments(this.hasMorePath)}` : undefined,
      this.o.stopAfterEmptyPage ? 'stop on empty page' : undefined,
    ].filter(Boolean);
    return `${this.target()}=${this.o.initial}+${this.o.step}n${stops.length ? `, ${stops.join(', ')}` : ''}`;
  }

  target(): string {
    return this.bodyPath ? `body.${formatSegments(this.bodyPath)}` : (this.o.param as string);
  }

  update(response: PageResponse, records: readonly unknown[]): void {
    this.received += records.length;
    if (this.o.stopAfterEmptyPage && records.length === 0) {
      this.hasNextPage = false;
      this.checkShortfall();
      return;
    }
    let total = this.total;
    const raw = this.totalPath ? readPath(response.body, this.totalPath) : undefined;
    // Absent or null after a page that stated it: keep what the API said before.
    if (this.totalPath && (this.total === undefined || (raw !== MISSING && raw !== null))) {
      if (raw === MISSING || raw === null) {
        throw new PaginationError(
          'PAGINATOR_INVALID',
          `the response has no total ${this.o.counting} at "${formatSegments(this.totalPath)}"; set total_path to where the API puts it, or to null to stop on an empty page`,
        );
      }
      total = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isInteger(total)) {
        throw new PaginationError(
          'PAGINATOR_INVALID',
          `total ${this.o.counting} at "${formatSegments(this.totalPath)}" is not an integer: ${JSON.stringify(raw)?.slice(0, 40)}`,
        );
      }
      this.total = total;
    }
    this.value += this.o.step;
    if (
      (total !== undefined && this.value >= total + this.o.baseIndex) ||
      (this.o.maximum !== undefined && this.value >= this.o.maximum)
    ) {
      this.hasNextPage = false;
    }
    if (this.hasMorePath) {
      const raw = readPath(response.body, this.hasMorePath);
      const more =
        raw === true || raw === 'true' || raw === 'True' || raw === 1
          ? true
          : raw === false || raw === 'false' || raw === 'False' || raw === 0
            ? false
            : undefined;
      if (more === undefined) {
        throw new PaginationError(
          'PAGINATOR_INVALID',
          `has_more_path "${formatSegments(this.hasMorePath)}" is ${raw === MISSING ? 'missing from the response' : `not a boolean: ${JSON.stringify(raw)?.slice(0, 40)}`}`,
        );
      }
      // dlt lets has_more overrule the other stops; here any stop wins, so maximum_* stays a hard cap.
      if (!more) this.hasNextPage = false;
    }
    if (!this.hasNextPage) this.checkShortfall();
  }

  /**
   * An offset walk that ends with fewer records than the API's own total (minus the starting offset) lost some:
   * records deleted meanwhile, or a server cap on offsets. Not an error (totals move while a walk runs), but never
   * silent: the walk reports it as a warning. A maximum_offset below the total is a configured cut, not a loss.
   */
  private checkShortfall(): void {
    if (this.o.counting !== 'items' || this.total === undefined) return;
    const expected = Math.min(this.total, this.o.maximum ?? Infinity) - this.o.initial;
    if (this.received < expected)
      this.shortfall = `the API's total at "${formatSegments(this.totalPath ?? [])}" is ${this.total}, but the walk from offset ${this.o.initial} received ${this.received} records`;
  }

  /** Writes the current value, as a query parameter or into the JSON body. */
  write(
    request: PageRequest,
    param: string | undefined,
    bodyPath: readonly PathSegment[] | undefined,
    value: number,
  ): void {
    if (bodyPath) {
      request.json = structuredClone(request.json ?? {});
      setPath(request.json, bodyPath, value);
    } else if (param) {
      setQueryParam(request.url, param, String(value));
    }
  }

  apply(request: PageRequest): void {
    this.write(request, this.o.param, this.bodyPath, this.value);
  }

  /** Back to the first page, as dlt's init_request does: a paginator reused for a new walk starts over. */
  restart(request: PageRequest): void {
    this.hasNextPage = true;
    this.value = this.o.initial;
    this.total = undefined;
    this.received = 0;
    this.shortfall = undefined;
    this.apply(request);
  }
}
