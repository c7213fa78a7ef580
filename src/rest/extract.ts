// The driver loop: one resource, page after page, until the paginator says stop.
import type { ResolvedResource } from '../config/source.js';
import type { RestClient } from './client.js';
import { RestError, redactUrl } from './errors.js';
import { compilePath, formatSegments, MISSING, readPath } from './json-path.js';
import { createPaginator, PaginationError } from './paginators/index.js';

export interface ExtractedPage {
  /** 1-based page number in this run */
  readonly number: number;
  readonly records: readonly unknown[];
  /** request URL, secrets removed */
  readonly url: string;
  readonly status: number;
  readonly bytes: number;
  /** epoch ms when the response arrived */
  readonly fetchedAt: number;
}

export interface ExtractOptions {
  readonly signal?: AbortSignal | undefined;
  /** a safety stop against runaway pagination */
  readonly maxPages?: number | undefined;
  readonly now?: () => number;
}

export async function* extractPages(
  resource: ResolvedResource,
  client: RestClient,
  options: ExtractOptions = {},
): AsyncGenerator<ExtractedPage> {
  const now = options.now ?? Date.now;
  const maxPages = options.maxPages ?? 1_000_000;
  const paginator = createPaginator(resource.endpoint.paginator);
  const selector = resource.endpoint.dataSelector === undefined ? undefined : compilePath(resource.endpoint.dataSelector);
  const request = client.firstRequest(resource.endpoint);
  paginator.init(request);
  for (let number = 1; ; number++) {
    if (number > maxPages) {
      throw new RestError('MAX_PAGES', `more than ${maxPages} pages in one run; raise maxPages if this is expected`, false, {
        resource: resource.name,
        url: redactUrl(request.url),
      });
    }
    const url = redactUrl(request.url);
    const response = await client.fetch(resource.name, request, options.signal);
    const records = selectRecords(response.body, selector, resource.name, url, response.status);
    try {
      paginator.update(response, records);
    } catch (error) {
      if (error instanceof PaginationError) {
        throw new RestError('CURSOR_LOOP', error.message, false, { resource: resource.name, url, status: response.status }, { cause: error });
      }
      throw error;
    }
    yield { number, records, url, status: response.status, bytes: response.bytes, fetchedAt: now() };
    if (!paginator.hasNextPage) return;
    paginator.next(request);
  }
}

function selectRecords(
  body: unknown,
  selector: readonly (string | number)[] | undefined,
  resource: string,
  url: string,
  status: number,
): readonly unknown[] {
  if (selector === undefined) {
    // No selector: a list body is the records; an object body is one record (dlt does the same).
    return Array.isArray(body) ? body : [body];
  }
  const found = readPath(body, selector);
  if (Array.isArray(found)) return found;
  const keys = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body).slice(0, 10).join(', ') : typeof body;
  const what = found === MISSING ? 'nothing' : found === null ? 'null' : Array.isArray(found) ? 'a list' : typeof found;
  throw new RestError(
    'SELECTOR_NO_LIST',
    `data_selector "${formatSegments(selector)}" found ${what}, not a list (top-level: ${Array.isArray(body) ? 'a list' : keys})`,
    false,
    { resource, url, status },
  );
}
