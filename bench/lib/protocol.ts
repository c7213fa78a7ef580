// What the orchestrator (bench/run.ts) hands a stage process, and what the stage sends back over IPC.
import type { StageName } from './options.js';

export interface StageParams {
  readonly stage: Exclude<StageName, 'produce-limit' | 'dlt'>;
  readonly rep: number;
  /** unique per repetition: topics `<source>.<resource>`, database `<source>`, group `streamtap.<source>` */
  readonly sourceName: string;
  /** contains `<sourceName>/` → a link to schemas/savvycal */
  readonly schemasDir: string;
  readonly baseUrl: string;
  readonly token: string;
  readonly pageSize: number;
  readonly insertBatch: number;
  /** records per resource name the stand-in serves */
  readonly expected: Readonly<Record<string, number>>;
  /** a fresh directory this stage may use (embedded ClickHouse data) */
  readonly workDir: string;
}

export interface StageResult {
  readonly stage: StageName;
  readonly rep: number;
  readonly ok: boolean;
  readonly error?: string;
  /** records the stage handled (all resources) */
  readonly records: number;
  /** the measured time of the stage (see each stage for what it covers) */
  readonly seconds: number;
  readonly rate: number;
  /** peak resident set size of the stage process (process.resourceUsage().maxRSS, or /usr/bin/time for the JVM tool) */
  readonly maxRssMB: number | null;
  /** RSS once modules are loaded, before the measured work starts */
  readonly rssStartMB?: number;
  /** peaks of the V8 heap and of memory outside it that Node tracks (Buffers, ArrayBuffers), sampled, MB */
  readonly heapPeakMB?: number;
  readonly externalPeakMB?: number;
  /** RSS sampled every 250 ms during the measured work, MB */
  readonly rssTimelineMB?: readonly number[];
  /** CPU seconds of the stage process during the measured work */
  readonly cpuUserS?: number;
  readonly cpuSystemS?: number;
  /** for processes that are not node (the JVM tool): user+system CPU from /usr/bin/time */
  readonly cpuS?: number;
  /** event-loop utilisation of the stage process during the measured work, 0..1 */
  readonly elu?: number;
  /** CLOCK_MONOTONIC µs bounds of the measured work, to cut CPU profiles to it */
  readonly windowUs?: readonly [number, number];
  readonly details: Record<string, unknown>;
  /** filled in by the orchestrator */
  side?: SideMeasures;
  profile?: unknown;
}

/** What the orchestrator sees from outside while a stage runs. */
export interface SideMeasures {
  /** wall time from spawn to exit, including process start and module loading */
  readonly processSeconds: number;
  /** busy share of all cores of the machine (from /proc/stat, steal excluded), 0..1 */
  readonly machineBusy: number | null;
  /** share of all cores the hypervisor stole (from /proc/stat), 0..1 */
  readonly machineSteal: number | null;
  /** CPU seconds of every process on the machine: the stage, the stand-in, the broker, and anything else running */
  readonly machineCpuS: number | null;
  /** CPU seconds the stand-in API process spent serving */
  readonly mockApiCpuS: number | null;
  /** CPU seconds the local Kafka broker spent (when its pid is known) */
  readonly brokerCpuS: number | null;
}
