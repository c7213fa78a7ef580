// Logging from a worker thread through the main thread's logger, so a worker's lines get the same
// destination (terminal or JSON), redaction and bindings as every other line of the process.
import type { MessagePort } from 'node:worker_threads';
import { createLogger, type Logger } from '../log.js';

/** The message a worker posts for each log line. */
export interface LogLine {
  readonly type: 'log';
  /** one pino JSON line */
  readonly line: string;
}

export function isLogLine(message: unknown): message is LogLine {
  return (message as { type?: unknown } | null)?.type === 'log';
}

/** A logger on a worker thread whose lines go to `port` as LogLine messages. */
export function workerLogger(port: MessagePort | { postMessage(message: unknown): void }, level: string): Logger {
  return createLogger(level, { write: (line: string) => port.postMessage({ type: 'log', line } satisfies LogLine) });
}

// pino's own fields of a line; everything else is the caller's.
const OWN = new Set(['level', 'time', 'pid', 'hostname', 'app', 'msg']);

/** Writes a worker's line to `logger` at its level, with its fields and message. */
export function relayLog(logger: Logger, message: LogLine): void {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(message.line) as Record<string, unknown>;
  } catch {
    logger.warn({ line: message.line }, 'unreadable log line from a worker thread');
    return;
  }
  const label = logger.levels.labels[Number(entry.level)] ?? 'info';
  const fields = Object.fromEntries(Object.entries(entry).filter(([k]) => !OWN.has(k)));
  const log = (logger as unknown as Record<string, (obj: object, msg?: string) => void>)[label];
  log?.call(logger, fields, typeof entry.msg === 'string' ? entry.msg : undefined);
}
