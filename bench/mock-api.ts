// The stand-in API in its own process, so its CPU and memory stay out of the stage processes' figures.
// Spawned by bench/run.ts with an IPC channel: sends { url } once listening, answers "usage" with its
// CPU time, stops on "stop" or when the parent goes away.
import { startMockApi } from '../src/mock-api/index.js';

const events = Number(process.argv[2] ?? '100000');
const eventDetail = process.argv[3] === 'full' ? 'full' : 'compact';
const token = process.env.BENCH_MOCK_TOKEN ?? '';
const api = await startMockApi({ events, eventDetail, ...(token ? { token } : {}) });

const stop = async (): Promise<void> => {
  await api.close();
  process.exit(0);
};
process.on('message', (message: unknown) => {
  if (message === 'usage') {
    const cpu = process.cpuUsage();
    process.send?.({
      usage: { cpuS: (cpu.user + cpu.system) / 1e6, rssMB: process.memoryUsage.rss() / 1048576, stats: api.stats },
    });
  } else if (message === 'stop') {
    void stop();
  }
});
process.on('disconnect', () => void stop());
process.send?.({ url: api.url });
