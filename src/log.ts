// One logger for the process: JSON lines on stderr (stdout is for command output), child per stage.
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(level = process.env.STREAMTAP_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'streamtap' } }, pino.destination(2));
}

export const silentLogger: Logger = pino({ level: 'silent' });
