// Auth turns a config plus resolved secrets into request headers or query parameters.
// Secrets stay inside the closures; every value is registered with the redactor so no error or log shows it.
import type { AuthConfig, SecretRef } from '../config/schema.js';
import { requireSecret, type SecretSources } from '../config/secrets.js';
import { RestError, redactUrl, type SecretRedactor } from './errors.js';
import { setQueryParam } from './query.js';

export interface AuthTarget {
  readonly url: URL;
  readonly headers: Record<string, string>;
}

export interface Auth {
  readonly type: string;
  /** adds credentials to a request about to be sent (may fetch a token first) */
  apply(target: AuthTarget, signal?: AbortSignal): Promise<void>;
  /** after a 401: drop cached credentials; true when a new attempt may succeed */
  invalidate(): boolean;
}

/** What an oauth2 token request needs: a POST of a form, answered with JSON. */
export type TokenFetcher = (
  url: URL,
  form: URLSearchParams,
  signal?: AbortSignal,
) => Promise<{ readonly status: number; readonly body: unknown }>;

export interface AuthOptions {
  readonly secrets: SecretSources;
  readonly redactor: SecretRedactor;
  readonly fetchToken: TokenFetcher;
  readonly now?: () => number;
  /** renew an oauth2 token this long before it expires */
  readonly refreshMarginMs?: number;
}

const NO_AUTH: Auth = { type: 'none', apply: async () => {}, invalidate: () => false };

/** Resolves every secret up front so a missing one fails before the first request. */
export function createAuth(config: AuthConfig | undefined, options: AuthOptions): Auth {
  if (!config) return NO_AUTH;
  const secret = (ref: SecretRef | string): string => {
    const value = typeof ref === 'string' ? ref : requireSecret(ref.$secret, options.secrets);
    options.redactor.add(value);
    return value;
  };
  switch (config.type) {
    case undefined:
    case 'bearer': {
      const value = `Bearer ${secret(config.token)}`;
      return {
        type: 'bearer',
        apply: async ({ headers }) => void (headers.authorization = value),
        invalidate: () => false,
      };
    }
    case 'api_key': {
      const key = secret(config.api_key);
      const name = config.name;
      if (config.location === 'query' || config.location === 'param') {
        return { type: 'api_key', apply: async ({ url }) => setQueryParam(url, name, key), invalidate: () => false };
      }
      if (config.location === 'cookie') {
        const cookie = `${name}=${encodeURIComponent(key)}`;
        return {
          type: 'api_key',
          apply: async ({ headers }) =>
            void (headers.cookie = headers.cookie ? `${headers.cookie}; ${cookie}` : cookie),
          invalidate: () => false,
        };
      }
      return {
        type: 'api_key',
        apply: async ({ headers }) => void (headers[name.toLowerCase()] = key),
        invalidate: () => false,
      };
    }
    case 'http_basic': {
      const user = typeof config.username === 'string' ? config.username : secret(config.username);
      const encoded = Buffer.from(`${user}:${secret(config.password)}`).toString('base64');
      options.redactor.add(encoded);
      const value = `Basic ${encoded}`;
      return {
        type: 'http_basic',
        apply: async ({ headers }) => void (headers.authorization = value),
        invalidate: () => false,
      };
    }
    case 'oauth2_client_credentials':
      return new OAuth2ClientCredentials(config, secret, options);
  }
}

type OAuth2Config = Extract<AuthConfig, { type: 'oauth2_client_credentials' }>;

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4): POST client_id, client_secret and grant_type as a form,
 * cache the access token, renew it shortly before `expires_in` runs out, and once more after a 401.
 * Concurrent requests share one token request.
 */
class OAuth2ClientCredentials implements Auth {
  readonly type = 'oauth2_client_credentials';
  private token: string | undefined;
  /** when to fetch a new token: a little before it expires */
  private renewAt = 0;
  private pending: Promise<string> | undefined;
  private readonly form: URLSearchParams;
  private readonly url: URL;
  private readonly now: () => number;
  private readonly margin: number;
  /** how many tokens were requested: tests and `check` read it */
  requests = 0;

  constructor(
    private readonly config: OAuth2Config,
    secret: (ref: SecretRef | string) => string,
    private readonly options: AuthOptions,
  ) {
    const clientId = typeof config.client_id === 'string' ? config.client_id : secret(config.client_id);
    this.form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret(config.client_secret),
    });
    for (const [k, v] of Object.entries(config.access_token_request_data ?? {}))
      if (v !== null) this.form.set(k, String(v));
    this.url = new URL(
      typeof config.access_token_url === 'string' ? config.access_token_url : secret(config.access_token_url),
    );
    this.now = options.now ?? Date.now;
    this.margin = options.refreshMarginMs ?? 60_000;
    if (config.access_token) {
      this.token = secret(config.access_token);
      this.renewAt = this.renewalTime(config.default_token_expiration);
    }
  }

  async apply({ headers }: AuthTarget, signal?: AbortSignal): Promise<void> {
    headers.authorization = `Bearer ${await this.current(signal)}`;
  }

  invalidate(): boolean {
    this.token = undefined;
    this.renewAt = 0;
    return true;
  }

  /** Renew a margin before expiry (a tenth of the lifetime for short-lived tokens), never after. */
  private renewalTime(lifetimeSeconds: number): number {
    const life = lifetimeSeconds * 1000;
    return this.now() + life - Math.min(this.margin, life / 10);
  }

  private async current(signal?: AbortSignal): Promise<string> {
    // Renew before expiry: a token that dies between this check and the API call would cost a 401 round trip.
    if (this.token !== undefined && this.now() < this.renewAt) return this.token;
    this.pending ??= this.obtain(signal).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async obtain(signal?: AbortSignal): Promise<string> {
    this.requests++;
    const res = await this.options.fetchToken(this.url, this.form, signal);
    const body = res.body as {
      access_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
      error_description?: unknown;
    } | null;
    if (
      res.status < 200 ||
      res.status >= 300 ||
      !body ||
      typeof body.access_token !== 'string' ||
      body.access_token === ''
    ) {
      // The token endpoint's own error fields are safe to show; the body as a whole might hold a token.
      const why =
        body && typeof body.error === 'string'
          ? `${body.error}${typeof body.error_description === 'string' ? `: ${body.error_description}` : ''}`
          : res.status >= 200 && res.status < 300
            ? 'the response has no access_token'
            : 'no error description';
      throw new RestError(
        'AUTH_TOKEN_FAILED',
        `oauth2 token request failed (HTTP ${res.status}): ${why.slice(0, 200)}`,
        res.status >= 500 || res.status === 429,
        {
          resource: '(auth)',
          url: redactUrl(this.url),
          status: res.status,
        },
      );
    }
    this.token = body.access_token;
    this.options.redactor.add(this.token);
    // dlt: a stated expires_in counts even when it is 0 (the token is good for this one request: the next one
    // fetches a new token); only a missing or unusable one falls back to default_token_expiration.
    const seconds = body.expires_in === undefined || body.expires_in === null ? NaN : Number(body.expires_in);
    this.renewAt = this.renewalTime(
      Number.isFinite(seconds) && seconds >= 0 ? seconds : this.config.default_token_expiration,
    );
    return this.token;
  }
}
