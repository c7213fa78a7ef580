// Poison messages: what makes a message one, how it is dead-lettered, and how dead letters read back.
// A dead letter keeps the original key, value and headers, so it can be replayed byte for byte.
import { type ErrorCode, StreamtapError } from '../errors.js';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { deadLetterHeaders, HEADER } from '../contracts/headers.js';

/** A message the consumer can never load, whatever it retries; `code` is the reason in the DLQ headers. */
export class PoisonMessageError extends StreamtapError {
  constructor(
    override readonly code: Extract<
      ErrorCode,
      | 'EMPTY_MESSAGE'
      | 'AVRO_DECODE'
      | 'SCHEMA_MISMATCH'
      | 'MISSING_PRIMARY_KEY'
      | 'ROW_MAPPING'
      | 'CLICKHOUSE_REJECTED'
    >,
    message: string,
  ) {
    super(message);
    this.name = 'PoisonMessageError';
  }
}

export interface MessageOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** The dead letter for `message`: original key, value and headers plus why and where from. */
export function deadLetter(
  message: Pick<KafkaMessage, 'key' | 'value' | 'headers'>,
  origin: MessageOrigin,
  error: Error & { code?: string },
): Message {
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...withoutDeadLetterHeaders(message.headers ?? {}),
      ...deadLetterHeaders(error, `kafka://${origin.topic}/${origin.partition}/${origin.offset}`),
      [HEADER.originalTopic]: origin.topic,
      [HEADER.originalPartition]: String(origin.partition),
      [HEADER.originalOffset]: origin.offset,
    },
  };
}

const DEAD_LETTER_HEADER_NAMES: ReadonlySet<string> = new Set([
  HEADER.errorClass,
  HEADER.errorMessage,
  HEADER.errorUrl,
  HEADER.errorTime,
  HEADER.originalTopic,
  HEADER.originalPartition,
  HEADER.originalOffset,
]);

/** Headers as they were before a message was dead-lettered (a replayed message fails afresh). */
export function withoutDeadLetterHeaders(headers: IHeaders): IHeaders {
  const out: IHeaders = {};
  for (const [name, value] of Object.entries(headers))
    if (!DEAD_LETTER_HEADER_NAMES.has(name) && value !== undefined) out[name] = value;
  return out;
}

/** A dead letter as `streamtap dlq inspect` shows it. */
export interface DeadLetterEntry {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly bytes: number;
  readonly errorClass: string;
  readonly errorMessage: string;
  readonly errorTime: string;
  /** where the record was when it failed: an API page URL (producer) or kafka://topic/partition/offset (consumer) */
  readonly errorUrl: string;
  readonly originalTopic: string | undefined;
  readonly originalPartition: number | undefined;
  readonly originalOffset: string | undefined;
  /** a consumer-side dead letter holds the original message and can be replayed to its topic */
  readonly replayable: boolean;
}

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

export function describeDeadLetter(partition: number, message: KafkaMessage): DeadLetterEntry {
  const h = message.headers;
  const originalTopic = headerText(h, HEADER.originalTopic);
  const originalPartition = headerText(h, HEADER.originalPartition);
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    bytes: message.value?.length ?? 0,
    errorClass: headerText(h, HEADER.errorClass) ?? 'unknown',
    errorMessage: headerText(h, HEADER.errorMessage) ?? '',
    errorTime: headerText(h, HEADER.errorTime) ?? '',
    errorUrl: headerText(h, HEADER.errorUrl) ?? '',
    originalTopic,
    originalPartition: originalPartition === undefined ? undefined : Number(originalPartition),
    originalOffset: headerText(h, HEADER.originalOffset),
    replayable: originalTopic !== undefined,
  };
}
