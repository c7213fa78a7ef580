// A resource as a Node Readable in object mode: one item per record. The highWaterMark bounds how
// far extraction runs ahead of Kafka, so memory stays flat whatever the record count.
import { Readable } from 'node:stream';
import type { ResolvedResource } from '../config/source.js';
import type { RestClient } from '../rest/client.js';
import { extractPages, type ExtractedPage, type ExtractOptions } from '../rest/extract.js';

export interface ExtractedRecord {
  readonly data: unknown;
  /** the page it came from; shared by all records of that page */
  readonly page: ExtractedPage;
}

/**
 * The last item of a stream whose extraction failed. A Readable destroyed by an error discards what it
 * had buffered, so the error travels in-band instead: every record fetched before it is still published.
 */
export interface ExtractionFailure {
  readonly failure: Error;
}

export type ResourceStreamItem = ExtractedRecord | ExtractionFailure;

export function isFailure(item: ResourceStreamItem): item is ExtractionFailure {
  return 'failure' in item;
}

export interface ResourceStreamOptions extends ExtractOptions {
  /** records buffered ahead of the consumer of the stream */
  readonly highWaterMark?: number;
  readonly onPage?: (page: ExtractedPage) => void;
}

export function resourceStream(
  resource: ResolvedResource,
  client: RestClient,
  options: ResourceStreamOptions = {},
): Readable {
  async function* records(): AsyncGenerator<ResourceStreamItem> {
    try {
      for await (const page of extractPages(resource, client, options)) {
        options.onPage?.(page);
        for (const data of page.records) yield { data, page };
      }
    } catch (error) {
      yield { failure: error as Error };
    }
  }
  return Readable.from(records(), { objectMode: true, highWaterMark: options.highWaterMark ?? 2000 });
}
