// Schema drift: records whose fields the schema does not know, or whose values did not fit their
// declared type. Nothing is lost (the shaper keeps them in `_extra`); this counts them, per resource and
// per field path, so a run can report them once with a hint, and metrics can export the counter. Values
// the resource's schema contract dropped (`discard_value`, src/avro/schema-contract.ts) are counted apart.
import { relative } from 'node:path';
import { normalPath } from './drift-collector.js';
import { avroFieldName, isMappableName } from './names.js';

export interface DriftCount {
  readonly source: string;
  readonly resource: string;
  /** records that carried at least one field in `_extra` */
  records: number;
  /** occurrences per normalized path (`attendees[].phone`) */
  readonly paths: Map<string, number>;
  /** values `discard_value` dropped, per normalized path */
  readonly discarded: Map<string, number>;
}

const counts = new Map<string, DriftCount>();

/** Process-wide counter of records kept partly in `_extra`, by `<source>.<resource>`. */
export const schemaDrift = {
  record(source: string, resource: string, extra: Readonly<Record<string, unknown>>): void {
    const count = countOf(source, resource);
    count.records++;
    for (const path of Object.keys(extra)) {
      const normal = normalPath(path);
      count.paths.set(normal, (count.paths.get(normal) ?? 0) + 1);
    }
  },
  /** Values a record lost to `discard_value`, by the record's paths. */
  discard(source: string, resource: string, paths: readonly string[]): void {
    const count = countOf(source, resource);
    for (const path of paths) {
      const normal = normalPath(path);
      count.discarded.set(normal, (count.discarded.get(normal) ?? 0) + 1);
    }
  },
  get(source: string, resource: string): DriftCount | undefined {
    return counts.get(`${source}.${resource}`);
  },
  all(): DriftCount[] {
    return [...counts.values()];
  },
  reset(): void {
    counts.clear();
  },
};

function countOf(source: string, resource: string): DriftCount {
  const id = `${source}.${resource}`;
  let count = counts.get(id);
  if (!count) counts.set(id, (count = { source, resource, records: 0, paths: new Map(), discarded: new Map() }));
  return count;
}

/**
 * The once-per-run line for a resource whose records drifted from their schema; path counts are this
 * process's totals. `hinted` names the resource's `columns` hints: a value that does not fit its hinted
 * type is not something `schema infer` can widen (the hint wins over inference, as in dlt), so those paths
 * get their own advice: fix the hint or the data.
 */
export function driftReport(
  count: DriftCount,
  schemaFile: string,
  recordsThisRun = count.records,
  hinted: ReadonlySet<string> = new Set(),
): { message: string; paths: Record<string, number> } {
  const top = [...count.paths].sort((a, b) => b[1] - a[1]).slice(0, 20);
  const file = relative(process.cwd(), schemaFile) || schemaFile;
  const isHinted = (path: string) => {
    const top = topField(path);
    return hinted.has(top) || (isMappableName(top) && hinted.has(avroFieldName(top)));
  };
  const hintedPaths = [...count.paths.keys()].filter(isHinted).sort();
  const inferable = [...count.paths.keys()].some((path) => !isHinted(path));
  const advice: string[] = [];
  if (inferable)
    advice.push(`Run \`streamtap schema infer <config> --resource ${count.resource}\` to widen the schema.`);
  if (hintedPaths.length > 0)
    advice.push(
      `${hintedPaths.join(', ')} ${hintedPaths.length === 1 ? 'has' : 'have'} a \`columns\` hint in the config, which ` +
        "`schema infer` does not override: change the hint's data_type, or fix those values at the source.",
    );
  return {
    message:
      `${recordsThisRun} ${count.source}.${count.resource} records carried fields that ${file} does not know, or values that did not fit ` +
      `their type; they are kept in _extra. ${advice.join(' ')}`,
    paths: Object.fromEntries(top),
  };
}

/** The record field a normalized path starts with (`attendees[].phone` → `attendees`). */
function topField(path: string): string {
  const end = path.search(/[.[]/);
  return end === -1 ? path : path.slice(0, end);
}

/** The once-per-run line for a resource whose contract dropped values (`discard_value`); path counts are this process's. */
export function discardReport(
  count: DriftCount,
  schemaFile: string,
  valuesThisRun: number,
): { message: string; paths: Record<string, number> } {
  const top = [...count.discarded].sort((a, b) => b[1] - a[1]).slice(0, 20);
  return {
    message:
      `${valuesThisRun} values of ${count.source}.${count.resource} records were dropped by schema_contract discard_value: ` +
      `fields ${relative(process.cwd(), schemaFile) || schemaFile} does not know, or values that did not fit their type. ` +
      'The rest of each record was published.',
    paths: Object.fromEntries(top),
  };
}
