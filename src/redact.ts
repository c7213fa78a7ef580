// Secrets never reach a log line, an error message on the terminal, or `config print`. Two layers:
// pino's `redact` masks well-known keys (password, token, authorization), and every secret value the
// process resolved is registered here and scrubbed from each serialized line, wherever it hides (a URL,
// a driver's error message, a stack trace).

const MASK = '***';
/** Values shorter than this are not scrubbed: masking "a" or "1" everywhere would garble the logs. */
const MIN_SECRET_LENGTH = 4;

const secrets = new Set<string>();
let pattern: RegExp | undefined;

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_SECRET_LENGTH || secrets.has(value)) return;
  secrets.add(value);
  // Longest first, so a secret that contains another is masked whole.
  const sorted = [...secrets].sort((a, b) => b.length - a.length);
  pattern = new RegExp(sorted.flatMap((s) => [escape(s), escape(JSON.stringify(s).slice(1, -1))]).join('|'), 'g');
}

/** The text with every registered secret replaced by `***`. */
export function scrub(text: string): string {
  return pattern ? text.replace(pattern, MASK) : text;
}

export function maskValue(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? value : MASK;
}

/** Keys whose values pino masks in every log object (pino redact paths, one and two levels deep). */
export const REDACT_PATHS: readonly string[] = [
  'password',
  'token',
  'authorization',
  'apiKey',
  'api_key',
  'secret',
  'sasl.password',
  'headers.authorization',
].flatMap((key) => [key, `*.${key}`]);

export const REDACT_MASK = MASK;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
