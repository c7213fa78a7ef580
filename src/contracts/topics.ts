// Topic names are part of the contract with subscribers and with other streamtap processes (a producer
// and a consumer started on different machines find each other by name): change them only with a major
// version. This module imports nothing, so producers, consumers, the CLI and subscribers all read one list.

/** The data topic of a resource: `<source>.<resource>`. Source names contain no `.`, see `sourceOfTopic`. */
export function topicName(source: string, resource: string): string {
  return `${source}.${resource}`;
}

/** The source a data topic belongs to: the text before the first `.` of `<source>.<resource>`. */
export function sourceOfTopic(topic: string): string {
  return topic.split('.')[0] ?? topic;
}

/** Dead letters of a data topic (records that could not be published or loaded): `<topic>.dlq`, one partition. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Run completions of a `write_disposition: replace` data topic (src/contracts/run-completion.ts): `<topic>.control`. */
export function controlTopic(topic: string): string {
  return `${topic}.control`;
}

/** The history of extractions of a source (src/observability/runs.ts): `streamtap.<source>.runs`, compacted. */
export function runsTopic(source: string): string {
  return `streamtap.${source}.runs`;
}

export const DEFAULT_STATE_TOPIC = 'streamtap.incremental-state';

/** `streamtap.incremental-state`, or $STREAMTAP_STATE_TOPIC. A `-` cannot appear in `<source>.<resource>` topics. */
export function stateTopicName(env: NodeJS.ProcessEnv = process.env): string {
  return env.STREAMTAP_STATE_TOPIC || DEFAULT_STATE_TOPIC;
}

/** The key of a resource's incremental state in the state topic: `<source>.<resource>`. */
export function stateKey(source: string, resource: string): string {
  return `${source}.${resource}`;
}
