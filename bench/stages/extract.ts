// Extraction without Kafka: the bare undici limit, extractPages(), and resourceStream().
// All resources of the seed pipeline run concurrently, as produce() runs them.
import { Agent, request } from 'undici';
import { RestClient } from '../../src/rest/client.js';
import { extractPages } from '../../src/rest/extract.js';
import { resourceStream } from '../../src/producers/resource-stream.js';
import { selectResources } from '../../src/config/select.js';
import type { ResolvedResource } from '../../src/config/source.js';
import { benchSource } from '../lib/context.js';
import { checkCounts, measure, total, type StageOutcome } from '../lib/harness.js';
import type { StageParams, StageResult } from '../lib/protocol.js';

export async function runExtract(params: StageParams): Promise<StageResult> {
  const source = benchSource(params);
  const resources = selectResources(source, undefined);
  if (params.stage === 'extract-bare') return measure(params, () => bareLoop(params, resources));
  const client = new RestClient(source, { secrets: { env: { API_KEY: params.token } } });
  try {
    return await measure(params, async (): Promise<StageOutcome> => {
      const counts: Record<string, number> = {};
      let pages = 0;
      let bytes = 0;
      await Promise.all(
        resources.map(async (resource) => {
          let n = 0;
          if (params.stage === 'extract-pages') {
            for await (const page of extractPages(resource, client)) {
              n += page.records.length;
              pages++;
              bytes += page.bytes;
            }
          } else {
            const stream = resourceStream(resource, client, {
              onPage: (page) => {
                pages++;
                bytes += page.bytes;
              },
            });
            for await (const _record of stream) n++;
          }
          counts[resource.tableName] = n;
        }),
      );
      checkCounts(params.stage, counts, params.expected);
      return {
        records: total(counts),
        details: { counts, pages, jsonBytes: bytes, jsonBytesPerRecord: Math.round(bytes / total(counts)) },
      };
    });
  } finally {
    await client.close();
  }
}

/**
 * The limit: the same pages over a keep-alive undici Agent, each body JSON.parse'd, the next cursor read
 * directly. It reads the same endpoints, params and cursors as the config, without paginator objects,
 * selectors, retries, timeouts or streams.
 */
async function bareLoop(params: StageParams, resources: readonly ResolvedResource[]): Promise<StageOutcome> {
  const agent = new Agent({ connections: 8, keepAliveTimeout: 30_000 });
  const headers = { accept: 'application/json', authorization: `Bearer ${params.token}` };
  const counts: Record<string, number> = {};
  let pages = 0;
  let bytes = 0;
  try {
    await Promise.all(
      resources.map(async (resource) => {
        const ep = resource.endpoint;
        const base = new URL(params.baseUrl + ep.path);
        for (const [k, v] of Object.entries(ep.params)) if (v !== null) base.searchParams.set(k, String(v));
        const pg = ep.paginator as { cursor_param?: string } | string | undefined;
        const cursorParam = (typeof pg === 'object' && pg.cursor_param) || 'after';
        let url = base.toString();
        let n = 0;
        for (;;) {
          const res = await request(url, { headers, dispatcher: agent });
          const text = await res.body.text();
          if (res.statusCode !== 200)
            throw new Error(`bare loop: HTTP ${res.statusCode} from ${url}: ${text.slice(0, 200)}`);
          bytes += Buffer.byteLength(text);
          pages++;
          const body = JSON.parse(text) as { entries?: unknown[]; metadata?: { after?: string | null } } | unknown[];
          if (Array.isArray(body)) {
            n += body.length;
            break;
          }
          n += body.entries?.length ?? 0;
          const after = body.metadata?.after;
          if (!ep.paginator || after === null || after === undefined) break;
          const next = new URL(base);
          next.searchParams.set(cursorParam, after);
          url = next.toString();
        }
        counts[resource.tableName] = n;
      }),
    );
  } finally {
    await agent.close();
  }
  checkCounts('extract-bare', counts, params.expected);
  return {
    records: total(counts),
    details: { counts, pages, jsonBytes: bytes, jsonBytesPerRecord: Math.round(bytes / total(counts)) },
  };
}
