// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per package, optionally cut
// to a time window (the stage's measured work), so module loading does not count.
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
export interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfileEntry {
  readonly name: string;
  readonly ms: number;
  /** share of the non-idle time in the window */
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly windowed: boolean;
  readonly totalMs: number;
  readonly idleMs: number;
  readonly busyMs: number;
  readonly gcMs: number;
  readonly topFunctions: readonly ProfileEntry[];
  readonly byPackage: readonly ProfileEntry[];
}

/** node_modules/<pkg> (scoped too), node:internal, streamtap's own src/, the bench, or a V8 pseudo-frame. */
export function packageOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native / V8)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:'))
    return url.startsWith('node:internal/streams')
      ? 'node:streams'
      : url.startsWith('node:internal/deps/undici')
        ? 'node:undici'
        : 'node:internal';
  const src = url.indexOf('/src/');
  if (src !== -1)
    return `streamtap ${url
      .slice(src + 1)
      .split('/')
      .slice(0, 2)
      .join('/')}`;
  if (url.includes('/bench/')) return 'bench';
  return url.replace(/^file:\/\//, '');
}

function shortUrl(url: string): string {
  if (!url) return '';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) return url.slice(nm + '/node_modules/'.length);
  const src = url.indexOf('/src/');
  if (src !== -1) return url.slice(src + 1);
  const bench = url.indexOf('/bench/');
  if (bench !== -1) return url.slice(bench + 1);
  return url.replace(/^file:\/\//, '');
}

export function summariseProfile(file: string, windowUs?: readonly [number, number], top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const self = new Map<number, number>();
  // A sample's timestamp is startTime + the running sum of deltas; its weight is the gap to the next one.
  const stamp: number[] = new Array(samples.length);
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i] ?? 0;
    stamp[i] = t;
  }
  const inWindow = (i: number): boolean =>
    !windowUs || ((stamp[i] ?? 0) >= windowUs[0] && (stamp[i] ?? 0) <= windowUs[1]);
  let windowed = Boolean(windowUs);
  if (windowed && !samples.some((_, i) => inWindow(i))) windowed = false; // clocks disagree: use it all
  for (let i = 0; i < samples.length; i++) {
    if (windowed && !inWindow(i)) continue;
    const weight = ((i + 1 < samples.length ? stamp[i + 1] : profile.endTime) ?? 0) - (stamp[i] ?? 0);
    const id = samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + Math.max(0, weight));
  }
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  let gcUs = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    const f = node.callFrame;
    if (f.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    if (f.functionName === '(garbage collector)') gcUs += us;
    const name = f.url
      ? `${f.functionName || '(anonymous)'}  ${shortUrl(f.url)}:${f.lineNumber + 1}`
      : f.functionName || '(anonymous)';
    fn.set(name, (fn.get(name) ?? 0) + us);
    const p = packageOf(f);
    pkg.set(p, (pkg.get(p) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const entries = (m: Map<string, number>, n: number): ProfileEntry[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 1000),
        share: busyUs > 0 ? Math.round((us / busyUs) * 1000) / 1000 : 0,
      }));
  return {
    file,
    windowed,
    totalMs: Math.round(totalUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    gcMs: Math.round(gcUs / 1000),
    topFunctions: entries(fn, top),
    byPackage: entries(pkg, 12),
  };
}

export function formatProfile(title: string, s: ProfileSummary): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const lines = [
    `#### ${title}`,
    '',
    `${s.busyMs} ms busy, ${s.idleMs} ms idle${s.windowed ? ' (measured window only)' : ' (whole process)'}; GC ${s.gcMs} ms. Profile: \`${s.file}\``,
    '',
    '| self time by package | ms | share of busy |',
    '| --- | ---: | ---: |',
    ...s.byPackage.map((e) => `| ${e.name} | ${e.ms} | ${pct(e.share)} |`),
    '',
    '| top self-time functions | ms | share of busy |',
    '| --- | ---: | ---: |',
    ...s.topFunctions.map((e) => `| \`${e.name.replace(/\|/g, '\\|')}\` | ${e.ms} | ${pct(e.share)} |`),
    '',
  ];
  return lines.join('\n');
}
