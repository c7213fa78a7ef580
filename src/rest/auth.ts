// Auth turns a config plus resolved secrets into request headers. Secrets stay inside the closure.
import type { AuthConfig } from '../config/schema.js';
import { requireSecret, type SecretSources } from '../config/secrets.js';

export interface Auth {
  readonly type: string;
  apply(headers: Record<string, string>): void;
}

const NO_AUTH: Auth = { type: 'none', apply: () => {} };

/** Resolves every secret up front so a missing one fails before the first request. */
export function createAuth(config: AuthConfig | undefined, secrets: SecretSources): Auth {
  if (!config) return NO_AUTH;
  switch (config.type) {
    case 'bearer': {
      const token = typeof config.token === 'string' ? config.token : requireSecret(config.token.$secret, secrets);
      const value = `Bearer ${token}`;
      return { type: 'bearer', apply: (headers) => void (headers.authorization = value) };
    }
  }
}
