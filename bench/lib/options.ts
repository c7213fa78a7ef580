import type { EventDetail } from '../../src/mock-api/index.js';

// Benchmark options: flags win over environment variables, which win over defaults.
//
//   --records N        events served by the stand-in API          BENCH_RECORDS   (default 100000)
//   --repeat N         repetitions of every selected stage        BENCH_REPEAT    (default 1)
//   --stages a,b,...   which stages (see STAGES), or issue2, all  BENCH_STAGES    (default: all but dlt)
//   --page-size N      endpoint params limit=N                    BENCH_PAGE_SIZE (default 100)
//   --event-detail D   compact (~1.0 KB events) or full (~2.4 KB) BENCH_EVENT_DETAIL (default compact)
//   --insert-batch N   rows per insert of the bare-insert limit   BENCH_INSERT_BATCH (default 20000)
//   --profile          node --cpu-prof on every stage process     BENCH_PROFILE=1
//   --out DIR          where results go                           BENCH_OUT       (default bench/results)
//   --stage-timeout S  stop a stage process after S seconds       BENCH_STAGE_TIMEOUT (default 120 + records/400)
//   --no-save          print the table only, write no files
//   --keep             keep topics, consumer groups and temp dirs (for inspection)

export const STAGES = [
  'extract-bare',
  'extract-pages',
  'extract',
  'produce',
  'produce-limit',
  'consume',
  'insert-limit',
  'e2e',
  'dlt',
] as const;
export type StageName = (typeof STAGES)[number];

/** Without --stages: everything but dlt, which needs Python and a one-time install from PyPI. */
export const DEFAULT_STAGES: readonly StageName[] = STAGES.filter((s) => s !== 'dlt');

/** The figures issue 2 asks for: extraction, produce, consume(+insert), end to end. */
export const ISSUE2_STAGES: readonly StageName[] = ['extract', 'produce', 'consume', 'e2e'];

export const STAGE_TITLES: Readonly<Record<StageName, string>> = {
  'extract-bare': 'extraction limit: bare undici loop + JSON.parse',
  'extract-pages': 'extraction: extractPages() (paginate + select)',
  extract: 'extraction: resourceStream() (paginate + select + object stream)',
  produce: 'produce: produce() REST → Avro → Kafka (idempotent, acks=all)',
  'produce-limit': 'produce limit: Kafka ProducerPerformance (JVM, acks=all, idempotent)',
  consume: 'consume: consume() Kafka → decode → ClickHouse, until caught up',
  'insert-limit': 'insert limit: bare @clickhouse/client insert, large batches',
  e2e: 'end to end: produce() with consume() beside it, then FINAL count (= streamtap run)',
  dlt: "dlt's rest_api_source, seed config, into duckdb (extract + normalize + load)",
};

export interface BenchOptions {
  readonly records: number;
  readonly repeat: number;
  readonly stages: readonly StageName[];
  readonly pageSize: number;
  /** the stand-in's events: 'compact' (~1.0 KB of JSON, the size issue 7 specifies) or 'full' (~2.4 KB) */
  readonly eventDetail: EventDetail;
  readonly insertBatch: number;
  readonly profile: boolean;
  readonly outDir: string;
  readonly save: boolean;
  readonly keep: boolean;
  readonly brokers: string;
  readonly stageTimeoutS: number;
}

export class UsageError extends Error {}

export const USAGE = `usage: npm run bench -- [--records N] [--repeat N] [--stages LIST|issue2] [--page-size N]
                        [--event-detail compact|full] [--insert-batch N] [--profile] [--out DIR] [--no-save] [--keep]
                        [--stage-timeout SECONDS]
stages: ${STAGES.join(', ')}
        default: all but dlt; "issue2" = ${ISSUE2_STAGES.join(',')}; "all" adds dlt (Python venv, installed once)
environment: BENCH_RECORDS, BENCH_REPEAT, BENCH_STAGES, BENCH_PAGE_SIZE, BENCH_EVENT_DETAIL, BENCH_INSERT_BATCH, BENCH_PROFILE=1,
             BENCH_OUT, BENCH_STAGE_TIMEOUT, BENCH_LOG_LEVEL (stage logs, default warn), KAFKA_BROKERS (default localhost:9092), CLICKHOUSE_URL (default: embedded chdb)`;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const cleaned = raw.replace(/[_,]/g, '');
  const n = /^\d+(e\d+)?$/i.test(cleaned) ? Number(cleaned) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

export function parseStages(raw: string | undefined): StageName[] {
  if (raw === undefined || raw === '' || raw === 'default') return [...DEFAULT_STAGES];
  if (raw === 'all') return [...STAGES];
  if (raw === 'issue2') return [...ISSUE2_STAGES];
  const wanted = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of wanted) {
    if (!(STAGES as readonly string[]).includes(s)) throw new UsageError(`unknown stage "${s}"`);
  }
  // Always in pipeline order, whatever order was given.
  return STAGES.filter((s) => wanted.includes(s));
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string>();
  const bool = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') throw new UsageError('');
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (['profile', 'no-save', 'keep'].includes(name)) {
      bool.add(name);
      continue;
    }
    if (
      !['records', 'repeat', 'stages', 'page-size', 'event-detail', 'insert-batch', 'out', 'stage-timeout'].includes(
        name,
      )
    )
      throw new UsageError(`unknown option --${name}`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  const pageSize = positiveInt('--page-size', flags.get('page-size') ?? env.BENCH_PAGE_SIZE, 100);
  if (pageSize > 100) throw new UsageError('--page-size: the stand-in API serves at most 100 records per page');
  const records = positiveInt('--records', flags.get('records') ?? env.BENCH_RECORDS, 100_000);
  const eventDetail = flags.get('event-detail') ?? env.BENCH_EVENT_DETAIL ?? 'compact';
  if (eventDetail !== 'compact' && eventDetail !== 'full')
    throw new UsageError(`--event-detail must be compact or full, got "${eventDetail}"`);
  return {
    records,
    repeat: positiveInt('--repeat', flags.get('repeat') ?? env.BENCH_REPEAT, 1),
    stages: parseStages(flags.get('stages') ?? env.BENCH_STAGES),
    pageSize,
    eventDetail,
    insertBatch: positiveInt('--insert-batch', flags.get('insert-batch') ?? env.BENCH_INSERT_BATCH, 20_000),
    profile: bool.has('profile') || env.BENCH_PROFILE === '1',
    outDir: flags.get('out') ?? env.BENCH_OUT ?? 'bench/results',
    save: !bool.has('no-save'),
    keep: bool.has('keep'),
    brokers: env.KAFKA_BROKERS ?? 'localhost:9092',
    stageTimeoutS: positiveInt(
      '--stage-timeout',
      flags.get('stage-timeout') ?? env.BENCH_STAGE_TIMEOUT,
      120 + Math.ceil(records / 400),
    ),
  };
}
