// One walk: the pages of one resource for one set of placeholder values (one parent record, or none),
// until the paginator, a stop condition, an ignore action or the incremental range says stop.
import { ErrorCode, StreamtapError } from '../errors.js';
import { createHash } from 'node:crypto';
import { expandString, expandValue, TemplateValueError, type Lookup } from '../config/template.js';
import type { ResolvedResource } from '../config/source.js';
import type { RestClient } from './client.js';
import { detectRecordsPath } from './detector.js';
import { RestError, redactUrl, type RestErrorCode } from './errors.js';
import { IncrementalCursorError, type IncrementalCursor } from './incremental.js';
import {
  compilePath,
  compileSelector,
  MISSING,
  readPath,
  selectorOf,
  type PathSegment,
  type Selector,
} from '../expressions/json-path.js';
import { createPaginator, PaginationError, type PageRequest, type Paginator } from './paginators/index.js';
import { apiSaysNoMore } from './paginators/paginator.js';
import { compileStopCondition } from '../expressions/stop-condition.js';
import { setQueryParam } from './query.js';

export interface ExtractedPage {
  /** 1-based page number in this walk */
  readonly number: number;
  readonly records: readonly unknown[];
  /** request URL, secrets removed */
  readonly url: string;
  readonly status: number;
  readonly bytes: number;
  /** epoch ms when the response arrived */
  readonly fetchedAt: number;
  /** the paginator as it stands after this page, e.g. `auto → json_link(next)` */
  readonly paginator?: string;
  /** where the records were found (`entries`, `$`), configured or detected */
  readonly dataPath?: string;
  /** records the API returned on this page, before incremental filtering and processing steps */
  readonly received?: number;
  /**
   * set on the last page of a walk whose data may be incomplete though nothing failed (a full page where the
   * paginator stopped, fewer records than the API's total): the producer logs and reports them (issue 13)
   */
  readonly warnings?: readonly string[];
}

/** Pages used by one resource in one run, across all its walks: the max_pages guard. */
export interface PageBudget {
  used: number;
  readonly max: number;
}

export interface WalkOptions {
  readonly signal?: AbortSignal | undefined;
  /** the parent record for `{resources.<parent>.<field>}` placeholders */
  readonly parentRecord?: unknown;
  readonly cursor?: IncrementalCursor | undefined;
  readonly budget?: PageBudget;
  readonly now?: () => number;
}

export const DEFAULT_MAX_PAGES = 1_000_000;
/** request fingerprints remembered for loop detection; a loop longer than this is caught by max_pages */
const LOOP_WINDOW = 10_000;

export async function* walkPages(
  resource: ResolvedResource,
  client: RestClient,
  options: WalkOptions = {},
): AsyncGenerator<ExtractedPage> {
  const now = options.now ?? Date.now;
  const budget = options.budget ?? { used: 0, max: resource.maxPages ?? DEFAULT_MAX_PAGES };
  const endpoint = resource.endpoint;
  const lookup = placeholderLookup(resource, options);
  const context = (url: URL, status?: number) => ({ resource: resource.name, url: redactUrl(url), status });
  const fail = (code: RestErrorCode, message: string, url: URL, status: number | undefined, cause: unknown): never => {
    throw new RestError(code, message, false, context(url, status), { cause });
  };

  let request: PageRequest;
  try {
    request = firstRequest(resource, client, lookup, options.cursor);
  } catch (error) {
    if (error instanceof TemplateValueError || error instanceof ParentFieldError)
      fail('PARENT_FIELD_MISSING', error.message, client.url('/'), undefined, error);
    throw error;
  }
  const headers = Object.fromEntries(Object.entries(endpoint.headers).map(([k, v]) => [k, expandString(v, lookup)]));
  const paginator = createPaginator(endpoint.paginator);
  const stopText =
    endpoint.paginator && 'stop_condition' in endpoint.paginator ? endpoint.paginator.stop_condition : undefined;
  const stop = stopText ? compileStopCondition(stopText) : undefined;
  const selector = endpoint.dataSelector === undefined ? undefined : compileSelector(endpoint.dataSelector);
  paginator.init(request);
  const seen = new Set<string>();
  // Auto-detected records path: guessed on the first page, then kept (a later page is read the same way).
  let detected: Selector | undefined;
  let previous: { body: unknown; received: readonly unknown[] } | undefined;

  for (let number = 1; ; number++) {
    if (budget.used >= budget.max) {
      fail(
        'MAX_PAGES',
        `more than ${budget.max} pages in one run; raise max_pages if this is expected`,
        request.url,
        undefined,
        undefined,
      );
    }
    budget.used++;
    // Whatever the paginator, asking for the very same request twice is a loop.
    const fingerprint = createHash('sha1')
      .update(
        `${request.method} ${request.url.href} ${request.json === undefined ? '' : JSON.stringify(request.json)} ${request.data?.toString() ?? ''}`,
      )
      .digest('base64');
    if (seen.has(fingerprint)) {
      // The same request again after a page that said the data is over is the end, not a loop.
      if (previous && apiSaysNoMore(previous.body, previous.received)) return;
      fail(
        'CURSOR_LOOP',
        `the ${paginator.description} paginator asked for the same request twice; stopping instead of looping`,
        request.url,
        undefined,
        undefined,
      );
    }
    if (seen.size >= LOOP_WINDOW) seen.delete(seen.values().next().value as string);
    seen.add(fingerprint);

    const url = redactUrl(request.url);
    const response = await client.fetch(resource.name, request, {
      signal: options.signal,
      actions: endpoint.responseActions,
      headers,
    });
    if (response.ignored) return;
    if (response.empty) {
      // No content is no records, and a page with nothing on it has no link to a next one.
      yield {
        number,
        records: [],
        url,
        status: response.status,
        bytes: response.bytes,
        fetchedAt: now(),
        paginator: paginator.description,
        received: 0,
      };
      return;
    }
    const path = selector ?? (detected ??= selectorOf(detectRecordsPath(response.body)));
    // A detected path that stops resolving after page 1 fails like a configured one: never a silent partial load.
    const origin = selector ? 'data_selector' : number > 1 ? 'the records path detected on page 1,' : undefined;
    const received = selectRecords(response.body, path, origin, resource.name, url, response.status);
    previous = { body: response.body, received };
    const stopHere = stop?.(response.body) === true;
    if (!stopHere) {
      try {
        paginator.update(response, received);
      } catch (error) {
        if (error instanceof PaginationError) fail(error.code, error.message, request.url, response.status, error);
        throw error;
      }
    }

    let records: unknown[] = [...received];
    let pastRange = false;
    try {
      if (options.cursor) {
        const cursor = options.cursor;
        records = records.filter((record) => {
          const verdict = cursor.check(record);
          if (verdict === 'stop') pastRange = true;
          return verdict === 'keep';
        });
      }
    } catch (error) {
      if (error instanceof IncrementalCursorError)
        fail('INCREMENTAL_CURSOR_INVALID', error.message, request.url, response.status, error);
      throw error;
    }
    if (resource.parent && resource.parent.includeFromParent.length > 0) {
      records = records.map((record) => withParentFields(record, resource, options.parentRecord, request.url));
    }
    records = applySteps(records, resource, request.url, response.status);

    const last = stopHere || pastRange || !paginator.hasNextPage;
    const warnings = last && !stopHere && !pastRange ? endWarnings(paginator, request, received.length) : [];
    yield {
      number,
      records,
      url,
      status: response.status,
      bytes: response.bytes,
      fetchedAt: now(),
      paginator: stopText ? `${paginator.description}, stop when ${stopText}` : paginator.description,
      dataPath: path.text,
      received: received.length,
      ...(warnings.length > 0 ? { warnings } : {}),
    };
    if (last) return;
    paginator.next(request);
  }
}

class ParentFieldError extends StreamtapError {
  readonly code = ErrorCode.PARENT_FIELD_MISSING;
}

/** Query parameters by which APIs commonly ask for a page size. */
const PAGE_SIZE_PARAMS = new Set([
  'limit',
  'per_page',
  'perpage',
  'page_size',
  'pagesize',
  '$top',
  'top',
  'max_results',
  'maxresults',
  'count',
  'size',
]);

/**
 * Why a walk that ended without error may still be incomplete. A single-page walk whose page held exactly as many
 * records as its request asked for (`limit=100`, `$top=2`) most likely met a paginated API without following it.
 */
function endWarnings(paginator: Paginator, request: PageRequest, received: number): string[] {
  const warnings: string[] = [];
  if (paginator.warning) warnings.push(paginator.warning);
  if (/(^|→ )single_page/.test(paginator.description) && received > 0) {
    for (const [name, value] of request.url.searchParams) {
      if (PAGE_SIZE_PARAMS.has(name.toLowerCase()) && Number(value) === received) {
        warnings.push(
          `the ${paginator.description} paginator stopped on a page as full as requested (${name}=${value}); the API probably has more pages: configure a paginator`,
        );
        break;
      }
    }
  }
  return warnings;
}

function placeholderLookup(resource: ResolvedResource, options: WalkOptions): Lookup {
  const compiled = new Map<string, readonly PathSegment[]>();
  return (expr) => {
    const [context, name, ...rest] = expr.split('.');
    if (context === 'incremental') return options.cursor?.placeholder(name ?? '') ?? null;
    if (context === 'resources') {
      const field = rest.join('.');
      if (options.parentRecord === undefined)
        throw new ParentFieldError(`placeholder {${expr}} needs a record of resource "${name}"`);
      let segments = compiled.get(field);
      if (!segments) compiled.set(field, (segments = compilePath(field)));
      const value = readPath(options.parentRecord, segments);
      if (value === MISSING || value === undefined) {
        const keys =
          options.parentRecord && typeof options.parentRecord === 'object'
            ? Object.keys(options.parentRecord).slice(0, 12).join(', ')
            : typeof options.parentRecord;
        throw new ParentFieldError(
          `resource "${resource.name}" needs field "${field}" of its parent "${name}", which a parent record lacks (its fields: ${keys})`,
        );
      }
      return value;
    }
    return undefined;
  };
}

function firstRequest(
  resource: ResolvedResource,
  client: RestClient,
  lookup: Lookup,
  cursor: IncrementalCursor | undefined,
): PageRequest {
  const endpoint = resource.endpoint;
  const url = client.url(expandString(endpoint.path, lookup));
  const set = (key: string, value: unknown): void => {
    // A placeholder that resolves to nothing (an unset end_value) leaves the parameter out.
    if (value === null || value === undefined) return;
    setQueryParam(url, key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  };
  for (const [key, value] of Object.entries(endpoint.params))
    set(expandString(key, lookup), expandValue(value, lookup, true));
  const inc = endpoint.incremental;
  if (inc && cursor) {
    if (inc.startParam) set(inc.startParam, cursor.placeholder('start_value'));
    if (inc.endParam) set(inc.endParam, cursor.placeholder('end_value'));
  }
  const json =
    endpoint.json === undefined ? undefined : (expandValue(endpoint.json, lookup, true) as Record<string, unknown>);
  return { url, method: endpoint.method, json, data: formBody(endpoint.data, lookup) };
}

function selectRecords(
  body: unknown,
  path: Selector,
  /** who chose the path, when it must resolve: `data_selector`, or detection on an earlier page */
  configured: string | undefined,
  resource: string,
  url: string,
  status: number,
): readonly unknown[] {
  const found = path.select(body);
  if (Array.isArray(found)) return found;
  // `"data": null` on an empty page is the API saying "nothing", not a wrong selector.
  if (found === null) return [];
  // dlt: a selector that lands on one object (a single-entity endpoint, `$`) yields that object as the record.
  if (found !== MISSING && typeof found === 'object') return [found];
  if (configured === undefined) return found === MISSING ? [] : [found];
  const keys =
    body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body).slice(0, 10).join(', ') : typeof body;
  const what = found === MISSING ? 'nothing' : typeof found;
  throw new RestError(
    'SELECTOR_NO_LIST',
    `${configured} "${path.text}" found ${what}, not a list (top-level: ${Array.isArray(body) ? 'a list' : keys})`,
    false,
    {
      resource,
      url,
      status,
    },
  );
}

function withParentFields(record: unknown, resource: ResolvedResource, parentRecord: unknown, url: URL): unknown {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return record;
  const parent = resource.parent as NonNullable<ResolvedResource['parent']>;
  const out: Record<string, unknown> = { ...(record as Record<string, unknown>) };
  for (const field of parent.includeFromParent) {
    if (!parentRecord || typeof parentRecord !== 'object' || !Object.hasOwn(parentRecord, field)) {
      throw new RestError(
        'PARENT_FIELD_MISSING',
        `include_from_parent: the "${parent.resource}" record has no field "${field}"`,
        false,
        { resource: resource.name, url: redactUrl(url) },
      );
    }
    // dlt's naming: _<parent>_<field>
    out[`_${parent.resource}_${field}`] = (parentRecord as Record<string, unknown>)[field];
  }
  return out;
}

function applySteps(records: unknown[], resource: ResolvedResource, url: URL, status: number): unknown[] {
  if (resource.processingSteps.length === 0) return records;
  let out = records;
  resource.processingSteps.forEach((step, index) => {
    try {
      // A map that returns nothing drops the record, as a dlt map returning None does.
      out =
        step.kind === 'filter'
          ? out.filter((r) => Boolean(step.fn(r)))
          : step.kind === 'map'
            ? out.map((r) => step.fn(r)).filter((r) => r !== undefined && r !== null)
            : out.flatMap((r) => yielded(step.fn(r)));
    } catch (error) {
      throw new RestError(
        'PROCESSING_STEP_FAILED',
        `processing_steps[${index}] (${step.kind}) threw: ${(error as Error).message}`,
        false,
        { resource: resource.name, url: redactUrl(url), status },
        { cause: error },
      );
    }
  });
  return out;
}

/** dlt's yield_map yields any number of records: an array or any iterable; one object is one record; nothing drops it. */
function yielded(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'object' && Symbol.iterator in value && typeof value !== 'string')
    return [...(value as Iterable<unknown>)].filter((r) => r !== undefined && r !== null);
  return [value];
}

/** dlt's `data`: a raw string (placeholders expanded), or form fields as pairs, url-encoded (null fields left out). */
function formBody(data: ResolvedResource['endpoint']['data'], lookup: Parameters<typeof expandString>[1]) {
  if (data === undefined) return undefined;
  if (typeof data === 'string') return expandString(data, lookup);
  const form = new URLSearchParams();
  const pairs: readonly (readonly [string, unknown])[] = Array.isArray(data) ? data : Object.entries(data);
  for (const [key, value] of pairs) {
    const expanded = typeof value === 'string' ? expandValue(value, lookup, true) : value;
    if (expanded !== null && expanded !== undefined) form.append(key, String(expanded));
  }
  // dlt (requests): empty form fields send no body and no Content-Type
  return form.size === 0 ? undefined : form;
}
