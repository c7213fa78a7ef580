// Summarise CPU profiles written by `npm run bench -- --profile` (or any `node --cpu-prof` run):
//   npx tsx bench/profile.ts bench/results/*.cpuprofile [--top N]
import { formatProfile, summariseProfile } from './lib/profile.js';

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt === -1 ? 25 : Number(args[topAt + 1]);
const files = args.filter((_, i) => topAt === -1 || (i !== topAt && i !== topAt + 1));
if (files.length === 0) {
  console.error('usage: npx tsx bench/profile.ts FILE.cpuprofile... [--top N]');
  process.exit(2);
}
for (const file of files) console.log(formatProfile(file, summariseProfile(file, undefined, top)));
