// The run-completion message, the contract behind deletes for `write_disposition: replace`: how a
// producer says "this extraction finished", and how a consumer turns that into delete marks.
//
// After a replace resource's extraction has fetched every page and Kafka acknowledged every record,
// the producer writes one JSON message to the control topic `<topic>.control` (one partition, beside
// the data topic, so the data topic keeps holding Avro records only). It names the run, the range of
// `_version`s the run used, and the data topic's end offsets once the run's last record was acknowledged.
// An extraction that fails or is interrupted writes no message, so it deletes nothing.
//
// The consumer reads the control topic in its own group (`<group>.control`). For each message it waits
// until the data group has committed every partition up to those end offsets: then every record of the
// run is in ClickHouse. A key whose latest row is older than the run's first version was not returned
// by the completed extraction, and gets a row with `_is_deleted = 1` and the run's end version:
// ReplacingMergeTree(_version, _is_deleted) then hides it under FINAL. A key that comes back in a later
// run has a higher version and wins over the delete mark. Applying a message twice marks nothing new.
// Encoding and decoding live here, below both sides: the producer writes it (src/producers/run-completion.ts),
// the consumer reads it (src/consumers/run-completion.ts).
import type { IHeaders, Message } from 'kafkajs';
import { ErrorCode, StreamtapError } from '../errors.js';
import { HEADER } from './headers.js';

export const RUN_COMPLETE = 'extraction-complete';

export interface RunCompletion {
  readonly type: typeof RUN_COMPLETE;
  readonly source: string;
  readonly resource: string;
  readonly topic: string;
  readonly runId: string;
  /** no record of the run has a lower _version */
  readonly startVersion: number;
  /** no record of the run has a higher _version; delete marks get this version */
  readonly endVersion: number;
  /** data topic partition → offset after the run's last record */
  readonly endOffsets: Readonly<Record<string, string>>;
  readonly completedAt: string;
}

export class RunCompletionError extends StreamtapError {
  readonly code = ErrorCode.BAD_RUN_COMPLETION;
}

export function encodeRunCompletion(completion: RunCompletion): Message {
  const headers: IHeaders = {
    [HEADER.source]: completion.source,
    [HEADER.resource]: completion.resource,
    [HEADER.runId]: completion.runId,
  };
  return { key: completion.topic, value: JSON.stringify(completion), headers };
}

export function decodeRunCompletion(value: Buffer | null): RunCompletion {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value?.toString('utf8') ?? 'null');
  } catch (error) {
    throw new RunCompletionError(`control message is not JSON: ${(error as Error).message}`);
  }
  const c = parsed as Partial<RunCompletion> | null;
  const isCount = (v: unknown): boolean => typeof v === 'string' && /^\d+$/.test(v);
  if (
    !c ||
    c.type !== RUN_COMPLETE ||
    typeof c.topic !== 'string' ||
    typeof c.runId !== 'string' ||
    !Number.isSafeInteger(c.startVersion) ||
    !Number.isSafeInteger(c.endVersion) ||
    (c.startVersion as number) > (c.endVersion as number) ||
    typeof c.endOffsets !== 'object' ||
    c.endOffsets === null ||
    !Object.entries(c.endOffsets).every(([p, o]) => /^\d+$/.test(p) && isCount(o))
  ) {
    throw new RunCompletionError(`not an ${RUN_COMPLETE} message: ${JSON.stringify(parsed).slice(0, 300)}`);
  }
  return c as RunCompletion;
}
