// Starting a worker thread on one of our modules. Under tsx (the CLI runs from source) a worker does not
// inherit the main thread's loader, so it registers tsx itself before importing the module; built
// JavaScript is imported as it is.
import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * A worker thread running the module at `moduleUrl` (a `file:` URL, `.ts` under tsx or built `.js`),
 * with `workerData` (structured-cloned) and V8 heap limits (`resourceLimits`, default Node's: a young
 * generation sized for throughput, which a thread that only moves bytes does not need). The worker's
 * stdout/stderr are the process's.
 */
export function startWorker(moduleUrl: URL, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, { workerData, resourceLimits });
  const tsx = import.meta.resolve('tsx/esm/api');
  // An eval'd bootstrap: register tsx, then import the module; a failure to load rejects, which the
  // worker reports as its 'error' event like any other uncaught error.
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData, resourceLimits });
}
