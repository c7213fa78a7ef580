// Summarise CPU profiles written by `npm run bench -- --profile` (or any `node --cpu-prof` run), and
// with --flame draw each one's flame graph beside it (FILE.flame.svg):
//   npx tsx bench/profile.ts bench/results/*.cpuprofile [--top N] [--flame]
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { flameGraphSvg } from './lib/flame.js';
import { formatProfile, summariseProfile } from './lib/profile.js';

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt === -1 ? 25 : Number(args[topAt + 1]);
const flame = args.includes('--flame');
const files = args.filter((a, i) => a !== '--flame' && (topAt === -1 || (i !== topAt && i !== topAt + 1)));
if (files.length === 0) {
  console.error('usage: npx tsx bench/profile.ts FILE.cpuprofile... [--top N] [--flame]');
  process.exit(2);
}
for (const file of files) {
  console.log(formatProfile(file, summariseProfile(file, undefined, top)));
  if (flame) {
    const out = file.replace(/\.cpuprofile$/, '') + '.flame.svg';
    writeFileSync(out, flameGraphSvg(file, basename(file)));
    console.log(`flame graph: ${out}`);
  }
}
