// What producers and consumers tell the outside world while they work: one observer interface, every
// member optional, called synchronously on the hot path — so an observer only counts and returns; it
// never awaits, never throws (a throwing observer is a bug, and `fanOut` keeps it from failing a run).

export interface PageEvent {
  readonly resource: string;
  readonly topic: string;
  /** 1-based page number in this run */
  readonly page: number;
  /** records on this page */
  readonly records: number;
  /** response body bytes */
  readonly bytes: number;
  readonly status: number;
  /** live totals of what Kafka acknowledged so far for this resource */
  readonly published: {
    readonly records: number;
    readonly rejected: number;
    readonly withExtra: number;
    readonly bytes: number;
    /** records and values `schema_contract` discarded (src/avro/schema-contract.ts) */
    readonly discardedRows?: number;
    readonly discardedValues?: number;
  };
}

export interface RetryEvent {
  readonly resource: string;
  readonly attempt: number;
  readonly delayMs: number;
  readonly status?: number | undefined;
  readonly code: string;
}

/** What one resource's extraction came to: the producer's report per resource (`ProduceReport.resources`). */
export interface ResourceReport {
  readonly resource: string;
  readonly topic: string;
  readonly ok: boolean;
  readonly pages: number;
  readonly records: number;
  readonly rejected: number;
  readonly withExtra: number;
  readonly bytes: number;
  /** records `schema_contract` `discard_row` sent to the dead-letter topic (the resource still succeeds) */
  readonly discardedRows?: number;
  /** values `schema_contract` `discard_value` dropped from published records */
  readonly discardedValues?: number;
  readonly retries: number;
  readonly durationMs: number;
  readonly error?: string;
  /** why the extraction may be incomplete though it did not fail (issue 13: no silent partial load) */
  readonly warnings?: readonly string[];
}

/** The same report, as observers receive it when a resource finishes. */
export type ResourceResult = ResourceReport;

export interface ProduceObserver {
  resourceStarted?(event: { readonly resource: string; readonly topic: string; readonly runId: string }): void;
  page?(event: PageEvent): void;
  retry?(event: RetryEvent): void;
  /** `error`: the failure, when the resource failed (its `context.status` names the last HTTP status) */
  resourceFinished?(result: ResourceResult, error?: unknown): void;
}

/** What a consumer reports while it works (`ConsumeOptions.onEvent`); offsets are Kafka offsets as decimal strings. */
export type ConsumerEvent =
  | {
      readonly type: 'inserted';
      readonly topic: string;
      readonly partition: number;
      readonly firstOffset: string;
      readonly lastOffset: string;
      /** messages in the chunk, rows inserted (latest per key), and the insert's duration */
      readonly records: number;
      readonly rows: number;
      readonly ms: number;
    }
  | { readonly type: 'committed'; readonly topic: string; readonly partition: number; readonly offset: string }
  | {
      readonly type: 'insert-failed';
      readonly topic: string;
      readonly partition: number;
      readonly attempt: number;
      readonly error: Error;
    }
  | {
      readonly type: 'dead-lettered';
      readonly topic: string;
      readonly partition: number;
      readonly offsets: readonly string[];
    }
  | { readonly type: 'deleted'; readonly topic: string; readonly runId: string; readonly keys: number };

export interface ConsumeObserver {
  /** the consumer's own events (src/consumers/consume.ts `onEvent`): inserted, committed, dead-lettered, … */
  consumer?(event: ConsumerEvent): void;
}

export type PipelineObserver = ProduceObserver & ConsumeObserver;

/** One observer that forwards to several (a list, or a function giving the current list); a throwing observer is logged once by `onError` and ignored. */
export function fanOut(
  observers: readonly (PipelineObserver | undefined)[] | (() => readonly (PipelineObserver | undefined)[]),
  onError: (error: unknown) => void = () => {},
): PipelineObserver {
  const list = typeof observers === 'function' ? observers : () => observers;
  const call =
    <K extends keyof PipelineObserver>(name: K) =>
    (...args: Parameters<NonNullable<PipelineObserver[K]>>): void => {
      for (const o of list()) {
        if (!o) continue;
        try {
          (o[name] as ((...a: unknown[]) => void) | undefined)?.apply(o, args);
        } catch (error) {
          onError(error);
        }
      }
    };
  return {
    resourceStarted: call('resourceStarted'),
    page: call('page'),
    retry: call('retry'),
    resourceFinished: call('resourceFinished'),
    consumer: call('consumer'),
  };
}
