// Entry point of a stage process: `node --import tsx bench/stages/main.ts '<StageParams JSON>'`, spawned by
// bench/run.ts with an IPC channel. One stage per process, so peak RSS and CPU profiles are that stage's alone.
import { progress } from '../lib/harness.js';
import type { StageParams, StageResult } from '../lib/protocol.js';

// Each stage loads only what it uses: the embedded ClickHouse alone adds ~140 MB of RSS to a process.
async function run(params: StageParams): Promise<StageResult> {
  switch (params.stage) {
    case 'extract-bare':
    case 'extract-pages':
    case 'extract':
      return (await import('./extract.js')).runExtract(params);
    case 'produce':
      return (await import('./produce.js')).runProduce(params);
    case 'consume':
      return (await import('./consume.js')).runConsume(params);
    case 'insert-limit':
      return (await import('./consume.js')).runInsertLimit(params);
    case 'e2e':
      return (await import('./e2e.js')).runEndToEnd(params);
  }
}

function send(message: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      console.log(JSON.stringify(message, null, 2));
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

const params = JSON.parse(process.argv[2] ?? '{}') as StageParams;
process.on('message', (message) => {
  if (message === 'snapshot') process.send?.({ snapshot: progress.snapshot?.() ?? null });
});
let code = 0;
try {
  await send(await run(params));
} catch (error) {
  const e = error as Error;
  await send({
    stage: params.stage,
    rep: params.rep,
    ok: false,
    error: e.stack ?? e.message,
    records: 0,
    seconds: 0,
    rate: 0,
    maxRssMB: null,
    details: {},
  } satisfies StageResult);
  code = 1;
}
// Exit explicitly: a lingering socket must not keep the process (and its --cpu-prof file) from finishing.
process.exit(code);
