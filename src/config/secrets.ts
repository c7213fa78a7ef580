// Secrets are resolved once at start-up, from the environment or a JSON secrets file, never from config.
import { readFileSync } from 'node:fs';
import { SecretMissingError } from './errors.js';

/** Where `secret("name")` values come from: the environment first, then a secrets file. */
export interface SecretSources {
  /** environment searched for STREAMTAP_SECRET_<NAME>, then <NAME> */
  readonly env: NodeJS.ProcessEnv;
  /**
   * path of a JSON object file `{ "api_key": "…" }`
   * @default $STREAMTAP_SECRETS_FILE, else none
   */
  readonly secretsFile?: string | undefined;
}

/** Env names tried for a secret, most specific first: `api_key` → STREAMTAP_SECRET_API_KEY, API_KEY. */
export function secretEnvNames(name: string): string[] {
  const upper = name.toUpperCase();
  return [`STREAMTAP_SECRET_${upper}`, upper];
}

export function findSecret(name: string, sources: SecretSources): string | undefined {
  for (const key of secretEnvNames(name)) {
    const value = sources.env[key];
    if (value) return value;
  }
  const file = sources.secretsFile ?? sources.env.STREAMTAP_SECRETS_FILE;
  if (file) {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const value = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>)[name] : undefined;
    if (typeof value === 'string' && value) return value;
  }
  return undefined;
}

export function requireSecret(name: string, sources: SecretSources): string {
  const value = findSecret(name, sources);
  if (value === undefined) throw new SecretMissingError(name, secretEnvNames(name));
  return value;
}
