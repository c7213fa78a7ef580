// One logger for the process: JSON lines on stderr (stdout is for command output), child per stage.
import { pino, type DestinationStream, type Logger } from 'pino';
import { REDACT_MASK, REDACT_PATHS, scrub } from './redact.js';

export type { Logger } from 'pino';

/** `destination`: where lines go (default stderr); a terminal gets a human-readable one, see src/observability/terminal.ts. */
export function createLogger(
  level = process.env.STREAMTAP_LOG_LEVEL ?? 'info',
  destination: DestinationStream = pino.destination(2),
): Logger {
  return pino(
    {
      level,
      base: { app: 'streamtap' },
      // Secrets: known keys masked, and every secret value the process resolved scrubbed from each line.
      redact: { paths: [...REDACT_PATHS], censor: REDACT_MASK },
      hooks: { streamWrite: scrub },
    },
    destination,
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
