// Redraw the chart of a saved run: npx tsx bench/chart.ts bench/results/<date>.json [RUN (1-based, default last)] [OUT.svg]
import { readFileSync, writeFileSync } from 'node:fs';
import { svgChart, type StageSummary } from './lib/report.js';

interface SavedRun {
  readonly command: string;
  readonly caption?: string;
  readonly options: { readonly records: number; readonly repeat: number };
  readonly environment: { readonly date: string; readonly cores: number };
  readonly summaries: StageSummary[];
}

const [file, which, out] = process.argv.slice(2);
if (!file) {
  console.error('usage: npx tsx bench/chart.ts bench/results/<date>.json [RUN] [OUT.svg]');
  process.exit(2);
}
const { runs } = JSON.parse(readFileSync(file, 'utf8')) as { runs: SavedRun[] };
const index = which ? Number(which) : runs.length;
const run = runs[index - 1];
if (!run) {
  console.error(`${file} has runs 1..${runs.length}`);
  process.exit(2);
}
const caption =
  run.caption ??
  `streamtap bench ${run.environment.date.slice(0, 10)}: ${run.options.records.toLocaleString('en-US')} events, ${run.options.repeat} rep(s), ${run.environment.cores} cores`;
const target = out ?? file.replace(/\.json$/, `-run${index}.svg`);
writeFileSync(target, svgChart(run.summaries, caption));
console.log(`${target}: ${run.command}`);
