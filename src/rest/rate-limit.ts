// Client-wide request limits, shared by every resource of a source: a token bucket for the rate and a
// semaphore for requests in flight. Clock and sleep are injected so tests compute waits instead of taking them.
import { sleepMs } from './retry.js';

export interface RateLimitOptions {
  /** average requests per second; undefined: no rate limit */
  readonly requestsPerSecond?: number | undefined;
  /** requests allowed back to back (bucket size); default 1 */
  readonly burst?: number | undefined;
  /** requests in flight at once; undefined: no limit */
  readonly maxConcurrency?: number | undefined;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type Release = () => void;

export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.active;
  }

  async acquire(signal?: AbortSignal): Promise<Release> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = (): void => {
          const i = this.waiting.indexOf(wake);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal?.reason);
        };
        this.waiting.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } else {
      this.active++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}

export class RateLimiter {
  private readonly interval: number;
  private readonly burst: number;
  /** time at which the bucket is full again, in ms; GCRA's "theoretical arrival time" */
  private tat = -Infinity;
  private readonly concurrency: Semaphore | undefined;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** every wait taken, in ms: what `streamtap check` and tests report */
  readonly waits: number[] = [];

  constructor(options: RateLimitOptions = {}) {
    this.interval = options.requestsPerSecond ? 1000 / options.requestsPerSecond : 0;
    this.burst = Math.max(1, options.burst ?? 1);
    this.concurrency = options.maxConcurrency ? new Semaphore(options.maxConcurrency) : undefined;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleepMs;
  }

  get description(): string {
    const parts: string[] = [];
    if (this.interval > 0)
      parts.push(`${(1000 / this.interval).toFixed(2).replace(/\.?0+$/, '')} req/s (burst ${this.burst})`);
    if (this.concurrency) parts.push(`${this.concurrency.limit} in flight`);
    return parts.length > 0 ? parts.join(', ') : 'none';
  }

  /** Waits for a slot and the rate; the caller releases the slot when the response body is read. */
  async acquire(signal?: AbortSignal): Promise<Release> {
    const release = this.concurrency ? await this.concurrency.acquire(signal) : noop;
    try {
      if (this.interval > 0) {
        // GCRA: a request may go when tat - burst*interval <= now; each request pushes tat by one interval.
        const now = this.now();
        const tat = Math.max(this.tat, now);
        const allowedAt = tat - (this.burst - 1) * this.interval;
        this.tat = tat + this.interval;
        const wait = allowedAt - now;
        if (wait > 0) {
          this.waits.push(wait);
          await this.sleep(wait, signal);
        }
      }
      return release;
    } catch (error) {
      release();
      throw error;
    }
  }
}

const noop: Release = () => {};
