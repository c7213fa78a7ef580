// Medians, spreads and ratios over repetitions; the Markdown table and the SVG chart.
import { STAGE_TITLES, STAGES, type StageName } from './options.js';
import type { StageResult } from './protocol.js';

/** Which stage is the measured limit of which. */
export const LIMIT_OF: Partial<Record<StageName, StageName>> = {
  'extract-pages': 'extract-bare',
  extract: 'extract-bare',
  produce: 'produce-limit',
  consume: 'insert-limit',
};

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max - min) / median */
  readonly spread: number;
  readonly n: number;
}

export function spread(values: readonly number[]): Spread | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
  const min = v[0] as number;
  const max = v[v.length - 1] as number;
  return { median, min, max, spread: median > 0 ? (max - min) / median : 0, n: v.length };
}

export interface StageSummary {
  readonly stage: StageName;
  readonly title: string;
  readonly records: number;
  readonly rate: Spread | null;
  readonly seconds: Spread | null;
  readonly maxRssMB: Spread | null;
  readonly cpuS: Spread | null;
  readonly machineBusy: Spread | null;
  readonly machineSteal: Spread | null;
  readonly limit?: StageName;
  /** this stage's rate / its limit's rate, per repetition */
  readonly ofLimit?: Spread | null;
  /** consume: its rate / the engine's own ingestion of the same Avro bytes (insert-limit's avroIngestRate), per repetition */
  readonly ofAvroLimit?: Spread | null;
  /**
   * e2e: its rate / the slowest of the stage limits measured in the same repetition (extract-bare,
   * produce-limit, insert-limit): issue 15's "slowest stage limit of the same run"; `slowestLimit` names
   * the limit that was slowest in most repetitions
   */
  readonly ofSlowestLimit?: Spread | null;
  readonly slowestLimit?: StageName;
  /** CPU microseconds of the stage process per record, per repetition */
  readonly cpuUsPerRecord?: Spread | null;
  readonly failures: readonly string[];
}

export function summarise(results: readonly StageResult[]): StageSummary[] {
  const out: StageSummary[] = [];
  for (const stage of STAGES) {
    const mine = results.filter((r) => r.stage === stage);
    if (mine.length === 0) continue;
    const ok = mine.filter((r) => r.ok);
    const limit = LIMIT_OF[stage];
    let ofLimit: Spread | null | undefined;
    if (limit && results.some((r) => r.stage === limit && r.ok)) {
      const ratios = ok.flatMap((r) => {
        const l = results.find((x) => x.stage === limit && x.rep === r.rep && x.ok);
        return l && l.rate > 0 ? [r.rate / l.rate] : [];
      });
      ofLimit = spread(ratios);
    }
    const avroRatios = ok.flatMap((r) => {
      if (stage !== 'consume') return [];
      const l = results.find((x) => x.stage === 'insert-limit' && x.rep === r.rep && x.ok);
      const avro = (l?.details as { engine?: { avroIngestRate?: number } } | undefined)?.engine?.avroIngestRate;
      return avro ? [r.rate / avro] : [];
    });
    const slowest = ok.flatMap((r) => {
      if (stage !== 'e2e') return [];
      const limits = results.filter((x) => STAGE_LIMITS.includes(x.stage) && x.rep === r.rep && x.ok && x.rate > 0);
      const min = limits.sort((a, b) => a.rate - b.rate)[0];
      return min ? [{ ratio: r.rate / min.rate, stage: min.stage }] : [];
    });
    const cpuPerRecord = ok.flatMap((r) => {
      const cpu = r.cpuS ?? (r.cpuUserS === undefined ? undefined : (r.cpuUserS ?? 0) + (r.cpuSystemS ?? 0));
      return cpu === undefined || r.records <= 0 ? [] : [(cpu * 1e6) / r.records];
    });
    out.push({
      stage,
      title: STAGE_TITLES[stage],
      records: ok[0]?.records ?? 0,
      rate: spread(ok.map((r) => r.rate)),
      seconds: spread(ok.map((r) => r.seconds)),
      maxRssMB: spread(ok.flatMap((r) => (r.maxRssMB === null ? [] : [r.maxRssMB]))),
      cpuS: spread(
        ok.flatMap((r) =>
          r.cpuS !== undefined ? [r.cpuS] : r.cpuUserS === undefined ? [] : [(r.cpuUserS ?? 0) + (r.cpuSystemS ?? 0)],
        ),
      ),
      machineBusy: spread(ok.flatMap((r) => (r.side?.machineBusy == null ? [] : [r.side.machineBusy]))),
      machineSteal: spread(ok.flatMap((r) => (r.side?.machineSteal == null ? [] : [r.side.machineSteal]))),
      ...(ofLimit !== undefined ? { limit, ofLimit } : {}),
      ...(avroRatios.length > 0 ? { ofAvroLimit: spread(avroRatios) } : {}),
      ...(slowest.length > 0
        ? {
            ofSlowestLimit: spread(slowest.map((x) => x.ratio)),
            slowestLimit: mostFrequent(slowest.map((x) => x.stage)),
          }
        : {}),
      ...(stage === 'consume' || stage === 'produce' ? { cpuUsPerRecord: spread(cpuPerRecord) } : {}),
      failures: mine.filter((r) => !r.ok).map((r) => `rep ${r.rep}: ${(r.error ?? 'failed').split('\n')[0] ?? ''}`),
    });
  }
  return out;
}

/** The stages that are limits, not streamtap. */
const STAGE_LIMITS: readonly StageName[] = ['extract-bare', 'produce-limit', 'insert-limit'];

function mostFrequent<T>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

const int = (x: number): string => Math.round(x).toLocaleString('en-US');
const pct = (x: number): string => `${Math.round(x * 100)} %`;

export function markdownTable(summaries: readonly StageSummary[], repeat: number): string {
  const head =
    repeat > 1
      ? '| stage | records | records/s (median) | min – max | spread | % of its limit | peak RSS MB (max) | CPU s | machine busy |'
      : '| stage | records | records/s | seconds | % of its limit | peak RSS MB | CPU s | machine busy |';
  const sep =
    repeat > 1
      ? '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
      : '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  const rows = summaries.map((s) => {
    if (!s.rate) return `| ${s.stage} | FAILED: ${s.failures.join('; ').replace(/\|/g, '/')} |`;
    const range = (x: Spread): string => `${pct(x.median)}${x.n > 1 ? ` (${pct(x.min)} – ${pct(x.max)})` : ''}`;
    const ofLimit =
      (s.ofLimit ? `${range(s.ofLimit)} of ${s.limit}` : s.limit ? `(${s.limit} failed)` : '') +
      (s.ofAvroLimit ? `; ${range(s.ofAvroLimit)} of the engine's Avro ingestion` : '') +
      (s.ofSlowestLimit ? `${range(s.ofSlowestLimit)} of the slowest stage limit (${s.slowestLimit ?? '?'})` : '') +
      (s.cpuUsPerRecord ? `; ${Math.round(s.cpuUsPerRecord.median)} µs CPU/record` : '');
    const rss = s.maxRssMB ? int(s.maxRssMB.max) : '';
    const cpu = s.cpuS ? s.cpuS.median.toFixed(1) : '';
    const busy = s.machineBusy
      ? `${pct(s.machineBusy.median)}${s.machineSteal && s.machineSteal.median >= 0.01 ? ` (+${pct(s.machineSteal.median)} stolen)` : ''}`
      : '';
    return repeat > 1
      ? `| ${s.stage} | ${int(s.records)} | **${int(s.rate.median)}** | ${int(s.rate.min)} – ${int(s.rate.max)} | ±${pct(s.rate.spread / 2)} | ${ofLimit} | ${rss} | ${cpu} | ${busy} |`
      : `| ${s.stage} | ${int(s.records)} | **${int(s.rate.median)}** | ${(s.seconds?.median ?? 0).toFixed(2)} | ${ofLimit} | ${rss} | ${cpu} | ${busy} |`;
  });
  return [head, sep, ...rows].join('\n');
}

/** Horizontal bars: each stage's median rate, and under it its limit's, on one scale. */
export function svgChart(summaries: readonly StageSummary[], caption: string): string {
  const measured = summaries.filter((s) => s.rate && !STAGE_LIMITS.includes(s.stage));
  const dlt = summaries.find((s) => s.stage === 'dlt')?.rate?.median ?? null;
  const rateOf = (stage: StageName | undefined): number | null =>
    summaries.find((s) => s.stage === stage)?.rate?.median ?? null;
  const max = Math.max(1, ...summaries.map((s) => s.rate?.median ?? 0));
  const left = 150;
  const width = 820;
  const barW = width - left - 130;
  const rowH = 46;
  const top = 44;
  const height = top + measured.length * rowH + 30;
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(caption)}</text>`,
    `<text x="10" y="36" fill="#555">records/s per stage (dark) and the limit it is measured against (light), medians</text>`,
  ];
  measured.forEach((s, i) => {
    const y = top + i * rowH;
    const rate = s.rate?.median ?? 0;
    const limitRate = rateOf(s.limit);
    parts.push(`<text x="${left - 8}" y="${y + 14}" text-anchor="end">${esc(s.stage)}</text>`);
    parts.push(
      `<rect x="${left}" y="${y + 3}" width="${Math.max(1, (rate / max) * barW).toFixed(1)}" height="15" fill="#2b6cb0"/>`,
    );
    parts.push(
      `<text x="${left + (rate / max) * barW + 6}" y="${y + 15}">${int(rate)}${s.ofLimit ? ` (${pct(s.ofLimit.median)})` : ''}</text>`,
    );
    const against = s.stage === 'e2e' && dlt !== null ? dlt : limitRate;
    const againstName = s.stage === 'e2e' && dlt !== null ? 'dlt' : (s.limit ?? '');
    if (against !== null && s.stage !== 'dlt') {
      parts.push(
        `<rect x="${left}" y="${y + 21}" width="${Math.max(1, (against / max) * barW).toFixed(1)}" height="15" fill="#a3bffa"/>`,
      );
      parts.push(
        `<text x="${left + (against / max) * barW + 6}" y="${y + 33}" fill="#555">${int(against)} ${esc(againstName)}</text>`,
      );
    }
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
