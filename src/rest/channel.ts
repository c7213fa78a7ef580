// A bounded async queue between one or more writers and one reader: `push` waits while the queue is
// full, which is how backpressure reaches a writer (a paginator loop) from a slow reader (Kafka).
import { ErrorCode, StreamtapError } from '../errors.js';

export class ChannelClosedError extends StreamtapError {
  readonly code = ErrorCode.CHANNEL_CLOSED;
}

export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private failure: { error: unknown } | undefined;
  /** the reader went away: writers drop their items instead of waiting forever */
  private cancelled = false;
  private readerWaiting: (() => void) | undefined;
  private readonly writersWaiting: (() => void)[] = [];

  constructor(private readonly capacity = 1) {}

  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Resolves when the item is queued (false when the reader has gone and the item was dropped). */
  async push(item: T): Promise<boolean> {
    while (!this.cancelled && this.items.length >= this.capacity) {
      await new Promise<void>((resolve) => this.writersWaiting.push(resolve));
    }
    if (this.cancelled) return false;
    if (this.closed) throw new ChannelClosedError('push after close');
    this.items.push(item);
    this.wakeReader();
    return true;
  }

  close(): void {
    this.closed = true;
    this.wakeReader();
  }

  fail(error: unknown): void {
    this.failure ??= { error };
    this.closed = true;
    this.wakeReader();
  }

  /** Called by the reader: stop accepting items and release every waiting writer. */
  cancel(): void {
    this.cancelled = true;
    this.items.length = 0;
    for (const wake of this.writersWaiting.splice(0)) wake();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        if (this.items.length > 0) {
          const item = this.items.shift() as T;
          this.writersWaiting.shift()?.();
          yield item;
          continue;
        }
        if (this.failure) throw this.failure.error;
        if (this.closed) return;
        await new Promise<void>((resolve) => (this.readerWaiting = resolve));
      }
    } finally {
      if (!this.closed || this.items.length > 0) this.cancel();
    }
  }

  private wakeReader(): void {
    const wake = this.readerWaiting;
    this.readerWaiting = undefined;
    wake?.();
  }
}
