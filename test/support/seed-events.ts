// The seed's events as the API serves them and as a subscriber decodes them, shared by the tests that
// compare one with the other (test/unit/seed-events-schema.test.ts, test/integration/seed-api.test.ts).
import { isoSeconds } from '../../src/mock-api/records.js';

/** The Event fields that are timestamps: ISO 8601 text on the API, `timestamp-millis` in Avro. */
export const EVENT_TIMESTAMPS = [
  'created_at',
  'start_at',
  'end_at',
  'canceled_at',
  'rescheduled_at',
  'original_start_at',
  'original_end_at',
] as const;

/** A decoded events message as the API record it came from: envelope fields dropped, timestamps back to ISO text. */
export function asApiEvent(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  for (const k of ['_extra', '_extracted_at', '_run_id', '_version']) delete plain[k];
  for (const k of EVENT_TIMESTAMPS) if (typeof plain[k] === 'number') plain[k] = isoSeconds(plain[k]);
  return plain;
}
