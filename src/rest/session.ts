// One extraction run of a source: which resources run, who feeds whom, and when state may be saved.
//
// Every resource needed by the run (the selected ones and the parents they resolve from) is a node that
// walks its pages once and hands each page to every consumer: the producer of its topic, when it runs, and
// each child node. Hand-over goes through bounded channels, so the slowest consumer sets the pace and memory
// stays flat. A child node walks its endpoint once per parent record, `concurrency` walks at a time.
//
// Resources joined by parent/child links form a group; `max_parallel_resources` bounds the groups running at
// once (a group counts once, so a child can never wait for a slot its own parent holds).
//
// An incremental cursor is committed when its node's pages, and those of every node fed by it, were all
// acknowledged: the producer says so through `complete(resource, true)`.
import type { ResolvedResource, ResolvedSource } from '../config/source.js';
import { Channel } from './channel.js';
import type { RestClient } from './client.js';
import { RestError } from './errors.js';
import { IncrementalCursor, type IncrementalState } from './incremental.js';
import { Semaphore, type Release } from './rate-limit.js';
import { DEFAULT_MAX_PAGES, walkPages, type ExtractedPage, type PageBudget } from './walk.js';

export interface SessionOptions {
  readonly signal?: AbortSignal | undefined;
  readonly now?: () => number;
  /** saved incremental states, by resource name */
  readonly states?: ReadonlyMap<string, IncrementalState>;
  /** persists a state; called only after every record it covers was acknowledged */
  readonly commit?: (resource: string, state: IncrementalState) => Promise<void>;
  readonly runId?: string;
  /** overrides source.maxParallelResources */
  readonly maxParallelResources?: number | undefined;
  /** overrides each resource's max_pages */
  readonly maxPages?: number | undefined;
  /** pages buffered per consumer */
  readonly highWaterMark?: number;
  /**
   * dlt's `add_limit(n)`: a resource without a parent stops after n pages, as a normal end (not MAX_PAGES). Its
   * children still walk every page of each parent record, as in dlt. Default: no limit.
   */
  readonly pageLimit?: number | undefined;
}

interface Node {
  readonly resource: ResolvedResource;
  readonly parent: Node | undefined;
  readonly children: Node[];
  /** the channel read by this resource's producer, when the resource runs */
  external: Channel<ExtractedPage> | undefined;
  /** channels read by child nodes */
  readonly edges: Channel<ExtractedPage>[];
  readonly cursor: IncrementalCursor | undefined;
  readonly budget: PageBudget;
  group: Group;
  pump: Promise<void> | undefined;
  extracted: boolean | undefined;
  /** producer outcome (true for nodes nobody publishes) */
  published: boolean | undefined;
  committed: boolean;
}

interface Group {
  readonly members: Set<string>;
  /** run resources of the group whose producers have not completed */
  pending: number;
  slot: Promise<Release> | undefined;
}

export class ExtractionSession {
  private readonly nodes = new Map<string, Node>();
  private readonly limit: Semaphore | undefined;
  private readonly hwm: number;

  constructor(
    readonly source: ResolvedSource,
    private readonly client: RestClient,
    run: readonly ResolvedResource[],
    private readonly options: SessionOptions = {},
  ) {
    this.hwm = options.highWaterMark ?? 2;
    const byName = new Map(source.resources.map((r) => [r.name, r]));
    const add = (resource: ResolvedResource): Node => {
      const existing = this.nodes.get(resource.name);
      if (existing) return existing;
      const parentResource = resource.parent ? byName.get(resource.parent.resource) : undefined;
      const parent = parentResource ? add(parentResource) : undefined;
      const inc = resource.endpoint.incremental;
      const node: Node = {
        resource,
        parent,
        children: [],
        external: undefined,
        edges: [],
        cursor: inc ? new IncrementalCursor(inc, options.states?.get(resource.name)) : undefined,
        budget: { used: 0, max: options.maxPages ?? resource.maxPages ?? DEFAULT_MAX_PAGES },
        group: { members: new Set([resource.name]), pending: 0, slot: undefined },
        pump: undefined,
        extracted: undefined,
        published: true,
        committed: false,
      };
      this.nodes.set(resource.name, node);
      if (parent) {
        parent.children.push(node);
        this.merge(parent, node);
      }
      return node;
    };
    for (const r of run) {
      const node = add(r);
      if (!node.external) {
        node.external = new Channel(this.hwm);
        node.published = undefined;
        node.group.pending++;
      }
    }
    // Edges exist before anything starts, so a parent never outruns a child that has yet to begin reading.
    for (const node of this.nodes.values()) if (node.parent) node.parent.edges.push(new Channel(this.hwm));
    const max = options.maxParallelResources ?? source.maxParallelResources;
    this.limit = max === undefined ? undefined : new Semaphore(max);
  }

  /** The incremental cursor of a resource in this run (its start value, last value). */
  cursor(resource: string): IncrementalCursor | undefined {
    return this.nodes.get(resource)?.cursor;
  }

  /** The paginator/walk order: parents before children, as `check` prints them. */
  get order(): readonly string[] {
    return [...this.nodes.keys()];
  }

  /** The pages of a resource of this run, for its producer. Read it once. */
  async *pages(resource: ResolvedResource | string): AsyncGenerator<ExtractedPage> {
    const name = typeof resource === 'string' ? resource : resource.name;
    const node = this.nodes.get(name);
    if (!node?.external) throw new Error(`resource "${name}" is not part of this extraction run`);
    // The group's slot is released by complete(), once every producer of the group is done.
    await this.acquire(node.group);
    this.start(node);
    yield* node.external;
  }

  /**
   * The producer of `resource` is done: `ok` when every page it read was acknowledged by Kafka. Commits
   * the incremental states this completes (its own, and its parents' once all their children are done).
   */
  async complete(resource: string, ok: boolean): Promise<void> {
    const node = this.nodes.get(resource);
    if (!node?.external || node.published !== undefined) return;
    node.published = ok;
    if (!ok) node.external.cancel();
    const group = node.group;
    group.pending--;
    try {
      for (let n: Node | undefined = node; n; n = n.parent) await this.commitIfReady(n);
    } finally {
      if (group.pending === 0 && group.slot) {
        const slot = group.slot;
        group.slot = undefined;
        (await slot)();
      }
    }
  }

  private acquire(group: Group): Promise<Release> {
    if (!this.limit) return Promise.resolve(() => {});
    group.slot ??= this.limit.acquire(this.options.signal);
    return group.slot;
  }

  private merge(a: Node, b: Node): void {
    const into = a.group;
    const from = b.group;
    if (into === from) return;
    for (const name of from.members) {
      into.members.add(name);
      const n = this.nodes.get(name);
      if (n) n.group = into;
    }
    into.pending += from.pending;
  }

  private start(node: Node): void {
    if (node.pump) return;
    const outputs = [...(node.external ? [node.external] : []), ...node.edges];
    node.pump = (async () => {
      try {
        for await (const page of this.walk(node)) {
          let live = 0;
          for (const out of outputs) if (await out.push(page)) live++;
          // Every consumer has gone away (failed): stop fetching for nobody.
          if (live === 0) break;
        }
        node.extracted = true;
        for (const out of outputs) out.close();
      } catch (error) {
        node.extracted = false;
        for (const out of outputs) out.fail(error);
      }
    })();
  }

  private walk(node: Node): AsyncIterable<ExtractedPage> {
    const common = {
      signal: this.options.signal,
      cursor: node.cursor,
      budget: node.budget,
      now: this.options.now,
    };
    if (!node.parent) {
      const pages = walkPages(node.resource, this.client, common);
      return this.options.pageLimit === undefined ? pages : firstPages(pages, this.options.pageLimit);
    }
    const parent = node.parent;
    const edge = parent.edges[parent.children.indexOf(node)] as Channel<ExtractedPage>;
    this.start(parent);
    return this.childPages(node, parent, edge, common);
  }

  private async *childPages(
    node: Node,
    parent: Node,
    edge: Channel<ExtractedPage>,
    common: Parameters<typeof walkPages>[2],
  ): AsyncGenerator<ExtractedPage> {
    const abort = new AbortController();
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, abort.signal]) : abort.signal;
    const out = new Channel<ExtractedPage>(this.hwm);
    async function* records(): AsyncGenerator<unknown> {
      try {
        for await (const page of edge) yield* page.records;
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new RestError(
          'HTTP_STATUS',
          `parent resource "${parent.resource.name}" failed: ${why}`,
          false,
          { resource: node.resource.name, url: '(parent)' },
          { cause: error },
        );
      }
    }
    const parentRecords = records();
    // Concurrent next() calls on one async generator queue up, so each worker takes the next parent record.
    const worker = async (): Promise<void> => {
      for (;;) {
        const next = await parentRecords.next();
        if (next.done || signal.aborted) return;
        for await (const page of walkPages(node.resource, this.client, {
          ...common,
          signal,
          parentRecord: next.value,
        })) {
          if (!(await out.push(page))) return;
        }
      }
    };
    Promise.all(Array.from({ length: node.resource.concurrency }, worker)).then(
      () => out.close(),
      (error: unknown) => {
        abort.abort();
        out.fail(error);
      },
    );
    try {
      yield* out;
    } finally {
      abort.abort();
      edge.cancel();
    }
  }

  private async commitIfReady(node: Node): Promise<void> {
    if (node.committed || !this.ready(node)) return;
    node.committed = true;
    const state = node.cursor?.state(this.options.runId, this.options.now);
    if (state && this.options.commit) await this.options.commit(node.resource.name, state);
  }

  /** This node's pages and those of everything downstream of it were all delivered. */
  private ready(node: Node): boolean {
    return node.extracted === true && node.published === true && node.children.every((c) => this.ready(c));
  }
}

/** The first `n` pages of a walk; stopping early closes the walk (no further request). */
async function* firstPages(pages: AsyncGenerator<ExtractedPage>, n: number): AsyncGenerator<ExtractedPage> {
  let count = 0;
  if (n <= 0) return;
  for await (const page of pages) {
    yield page;
    if (++count >= n) return;
  }
}
