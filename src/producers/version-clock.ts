/**
 * `_version` for ReplacingMergeTree: microseconds since the epoch, strictly increasing within a
 * process, so a later observation of a key always wins even inside one millisecond.
 * 2026 in µs is ~1.8e15, well inside Number.MAX_SAFE_INTEGER (9e15) and Avro's long.
 */
export function createVersionClock(now: () => number = Date.now): () => number {
  let last = 0;
  return () => {
    last = Math.max(now() * 1000, last + 1);
    return last;
  };
}
