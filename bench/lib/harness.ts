// Runs one stage's measured work inside its own process and reports what it cost that process.
import { performance } from 'node:perf_hooks';
import type { StageParams, StageResult } from './protocol.js';

export interface StageOutcome {
  readonly records: number;
  /** when the stage times only part of its work (the bare insert times the inserts only) */
  readonly seconds?: number;
  readonly details: Record<string, unknown>;
}

/** What a stage has done so far, for the orchestrator to print when the stage overruns its time limit. */
export const progress: { snapshot?: () => unknown } = {};

const MB = 1024 * 1024;
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

export async function measure(params: StageParams, work: () => Promise<StageOutcome>): Promise<StageResult> {
  const rssStart = process.memoryUsage.rss();
  const timeline: number[] = [];
  let heapPeak = 0;
  let externalPeak = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    timeline.push(round(m.rss / MB));
    heapPeak = Math.max(heapPeak, m.heapUsed);
    externalPeak = Math.max(externalPeak, m.external);
  };
  const sampler = setInterval(sample, 250);
  sampler.unref();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const us0 = monotonicUs();
  const t0 = performance.now();
  try {
    const outcome = await work();
    const elapsed = (performance.now() - t0) / 1000;
    const us1 = monotonicUs();
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0).utilization;
    clearInterval(sampler);
    sample();
    const seconds = outcome.seconds ?? elapsed;
    return {
      stage: params.stage,
      rep: params.rep,
      ok: true,
      records: outcome.records,
      seconds: round(seconds, 3),
      rate: Math.round(outcome.records / seconds),
      // maxRSS is in kilobytes
      maxRssMB: round(process.resourceUsage().maxRSS / 1024),
      rssStartMB: round(rssStart / MB),
      heapPeakMB: round(heapPeak / MB),
      externalPeakMB: round(externalPeak / MB),
      rssTimelineMB: downsample(timeline, 40),
      cpuUserS: round(cpu.user / 1e6, 2),
      cpuSystemS: round(cpu.system / 1e6, 2),
      elu: round(elu, 3),
      windowUs: [us0, us1],
      details: { wallSeconds: round(elapsed, 3), ...outcome.details },
    };
  } finally {
    clearInterval(sampler);
  }
}

function downsample(values: readonly number[], max: number): number[] {
  if (values.length <= max) return [...values];
  const out: number[] = [];
  const step = values.length / max;
  // keep the peak of each bucket so the timeline never hides the maximum
  for (let i = 0; i < max; i++) out.push(Math.max(...values.slice(Math.floor(i * step), Math.floor((i + 1) * step))));
  return out;
}

/** Per-resource record counts must match what the stand-in serves; a benchmark of a broken run is worthless. */
export function checkCounts(
  what: string,
  got: Readonly<Record<string, number>>,
  expected: Readonly<Record<string, number>>,
): void {
  const wrong = Object.entries(expected).filter(([name, n]) => got[name] !== n);
  if (wrong.length > 0) {
    throw new Error(
      `${what}: record counts differ from the stand-in's: ${wrong.map(([name, n]) => `${name} ${String(got[name] ?? 0)} ≠ ${n}`).join(', ')}`,
    );
  }
}

export function total(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
