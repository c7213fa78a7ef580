// A flame graph (SVG) of a V8 .cpuprofile: every call path's inclusive CPU time as a box whose width is
// its share of the busy time, callers below callees. Cut to the stage's measured window like the
// self-time summary in profile.ts, so module loading and set-up do not show. Idle time is left out.
import { readFileSync } from 'node:fs';
import { packageOf, type CpuProfile, type ProfileNode } from './profile.js';

interface Frame {
  readonly name: string;
  readonly pkg: string;
  us: number;
  readonly children: Map<string, Frame>;
}

const WIDTH = 1200;
const ROW = 16;
const MIN_PX = 0.4; // narrower boxes are dropped: invisible, and they would bloat the file
const CHAR_PX = 6.6; // width of one character at the font size below

/** Inclusive time per merged call path within the window; identical frames under one parent merge. */
function callTree(profile: CpuProfile, windowUs?: readonly [number, number]): Frame {
  const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let t = profile.startTime;
  const stamps = samples.map((_, i) => (t += deltas[i] ?? 0));
  const windowed = windowUs !== undefined && stamps.some((s) => s >= windowUs[0] && s <= windowUs[1]);
  for (let i = 0; i < samples.length; i++) {
    const at = stamps[i] ?? 0;
    if (windowed && (at < windowUs[0] || at > windowUs[1])) continue;
    const weight = Math.max(0, (stamps[i + 1] ?? profile.endTime) - at);
    const id = samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + weight);
  }
  const root: Frame = { name: 'all (busy)', pkg: '', us: 0, children: new Map() };
  for (const [id, us] of self) {
    const path: ProfileNode[] = [];
    for (let n = byId.get(id); n && n.callFrame.functionName !== '(root)'; n = byId.get(parent.get(n.id) ?? -1))
      path.push(n);
    if (path[0]?.callFrame.functionName === '(idle)') continue;
    root.us += us;
    let at = root;
    for (const n of path.reverse()) {
      const f = n.callFrame;
      const name = f.url ? `${f.functionName || '(anonymous)'} ${shortName(f.url)}` : f.functionName || '(anonymous)';
      let next = at.children.get(name);
      if (!next) at.children.set(name, (next = { name, pkg: packageOf(f), us: 0, children: new Map() }));
      next.us += us;
      at = next;
    }
  }
  return root;
}

/** `kafkajs/…/encoder.js`, `src/avro/record-shaper.ts`: enough to find the file, short enough to read. */
function shortName(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    const pkg = parts[0]?.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
    return `${pkg}/…/${parts.at(-1) ?? ''}`;
  }
  const src = url.indexOf('/src/');
  if (src !== -1) return url.slice(src + 1);
  return url.replace(/^.*\//, '');
}

/** One colour per package: streamtap warm, libraries cool, Node and V8 grey, GC red. */
function colour(pkg: string, name: string): string {
  if (name.startsWith('(garbage collector)')) return '#d9534f';
  if (pkg.startsWith('streamtap')) return '#f0a35e';
  if (pkg.startsWith('node:') || pkg.startsWith('(')) return '#b8b8b8';
  let h = 0;
  for (const ch of pkg) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${170 + (h % 90)}, 45%, ${62 + (h % 12)}%)`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function flameGraphSvg(file: string, title: string, windowUs?: readonly [number, number]): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const root = callTree(profile, windowUs);
  const scale = root.us > 0 ? WIDTH / root.us : 0;
  const visible = (f: Frame): Frame[] =>
    [...f.children.values()].filter((c) => c.us * scale >= MIN_PX).sort((a, b) => a.name.localeCompare(b.name));
  const depthOf = (f: Frame): number => 1 + Math.max(0, ...visible(f).map(depthOf));
  const height = depthOf(root) * ROW + 40;
  const boxes: string[] = [];
  // Flame orientation: the root at the bottom, callees stacked above their callers.
  const place = (frame: Frame, x: number, level: number): void => {
    boxes.push(box(frame, x, height - 10 - (level + 1) * ROW, frame.us * scale, root.us));
    let cx = x;
    for (const child of visible(frame)) {
      place(child, cx, level + 1);
      cx += child.us * scale;
    }
  };
  place(root, 0, 0);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="4" y="18" font-size="13">${escapeXml(title)}: ${(root.us / 1e6).toFixed(1)} CPU-s busy on the main thread; width = share of it (hover a box)</text>`,
    ...boxes,
    '</svg>',
    '',
  ].join('\n');
}

function box(frame: Frame, x: number, y: number, w: number, totalUs: number): string {
  const share = totalUs > 0 ? (frame.us / totalUs) * 100 : 0;
  const label = w > CHAR_PX * 3 ? fit(frame.name, Math.floor((w - 4) / CHAR_PX)) : '';
  const tip = `${frame.name} (${frame.pkg || 'all'}): ${(frame.us / 1000).toFixed(0)} ms, ${share.toFixed(1)} %`;
  return (
    `<g><title>${escapeXml(tip)}</title><rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 1}" fill="${colour(frame.pkg, frame.name)}"/>` +
    (label ? `<text x="${(x + 2).toFixed(1)}" y="${y + 12}">${escapeXml(label)}</text>` : '') +
    '</g>'
  );
}

function fit(text: string, chars: number): string {
  return text.length <= chars ? text : chars > 2 ? `${text.slice(0, chars - 2)}..` : '';
}
