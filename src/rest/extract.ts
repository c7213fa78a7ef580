// The public way to read a resource: its pages, parents resolved, paginated until done.
import type { ResolvedResource } from '../config/source.js';
import type { RestClient } from './client.js';
import { ExtractionSession } from './session.js';

export type { ExtractedPage, PageBudget } from './walk.js';
export { walkPages } from './walk.js';
export { ExtractionSession } from './session.js';

export interface ExtractOptions {
  readonly signal?: AbortSignal | undefined;
  /** a safety stop against runaway pagination; overrides the resource's max_pages */
  readonly maxPages?: number | undefined;
  readonly now?: () => number;
  /** the run this resource belongs to (parents shared, states committed); default: a run of this resource alone */
  readonly session?: ExtractionSession | undefined;
}

export async function* extractPages(resource: ResolvedResource, client: RestClient, options: ExtractOptions = {}) {
  const session =
    options.session ??
    new ExtractionSession(client.source, client, [resource], {
      signal: options.signal,
      maxPages: options.maxPages,
      now: options.now,
    });
  let ok = false;
  try {
    yield* session.pages(resource);
    ok = true;
  } finally {
    // A session of its own has no producer to wait for: done means done.
    if (!options.session) await session.complete(resource.name, ok);
  }
}
