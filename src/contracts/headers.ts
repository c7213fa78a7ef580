// Kafka header names are part of the contract with subscribers: change them only with a major version.
export const HEADER = {
  source: 'streamtap.source',
  resource: 'streamtap.resource',
  extractedAt: 'streamtap.extracted_at',
  runId: 'streamtap.run_id',
  errorClass: 'streamtap.error.class',
  errorMessage: 'streamtap.error.message',
  errorUrl: 'streamtap.error.url',
  errorTime: 'streamtap.error.time',
  // dead letters written by a consumer: where the message came from
  originalTopic: 'streamtap.original.topic',
  originalPartition: 'streamtap.original.partition',
  originalOffset: 'streamtap.original.offset',
  replayedFrom: 'streamtap.replayed_from',
} as const;

export function deadLetterHeaders(error: Error & { code?: string }, url: string): Record<string, string> {
  return {
    [HEADER.errorClass]: error.code ?? error.name,
    [HEADER.errorMessage]: error.message.slice(0, 1000),
    [HEADER.errorUrl]: url,
    [HEADER.errorTime]: new Date().toISOString(),
  };
}
