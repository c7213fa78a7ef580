// What a server says about waiting: `Retry-After` on a refused request (RFC 9110 §10.2.3), and the rate-limit
// headers APIs send on every response so a client can slow down before it is refused — GitHub-style
// `X-RateLimit-Remaining`/`X-RateLimit-Reset` and the IETF draft's `RateLimit-Remaining`/`RateLimit-Reset` or
// structured `RateLimit: limit=100, remaining=0, reset=30` (draft-ietf-httpapi-ratelimit-headers).

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * A usable `Retry-After`, in ms from `now`: delta-seconds above zero, or an HTTP date in the future. Zero, a
 * negative number, a date in the past and text that is neither are no usable wait (undefined): the caller then
 * backs off as if there were no header, instead of retrying at once (issue 13, case 06).
 *
 * @param value the header as received (first value when repeated)
 * @param now epoch ms
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^[+-]?\d+(\.\d+)?$/.test(text)) {
    const seconds = Number(text);
    return seconds > 0 ? Math.round(seconds * 1000) : undefined;
  }
  // Only an IMF-fixdate or its obsolete forms: each names a weekday or a month, so a bare number never gets here.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date) || date <= now) return undefined;
  return date - now;
}

/** What the rate-limit headers of one response say. */
export interface RateLimitHint {
  /** requests left in the current window */
  readonly remaining: number;
  /** ms from `now` until the window resets; undefined when the response does not say */
  readonly resetMs: number | undefined;
  /** the header the numbers came from, for messages */
  readonly source: string;
}

/**
 * The rate-limit state a response reports, or undefined when it reports none. `X-RateLimit-Reset` is epoch
 * seconds when it is larger than a day of seconds (GitHub, Twitter), else delta-seconds (the IETF draft's
 * `RateLimit-Reset` is always delta-seconds).
 *
 * @param now epoch ms
 */
export function parseRateLimit(headers: Headers, now: number): RateLimitHint | undefined {
  const get = (name: string): string | undefined => {
    const v = headers[name];
    return (Array.isArray(v) ? v[0] : v)?.trim();
  };
  const structured = get('ratelimit');
  if (structured && /remaining\s*=/i.test(structured)) {
    const field = (k: string) =>
      /^\d+$/.exec(new RegExp(`(?:^|[,;\\s])${k}\\s*=\\s*(\\d+)`, 'i').exec(structured)?.[1] ?? '')?.[0];
    const remaining = field('remaining');
    const reset = field('reset');
    if (remaining !== undefined)
      return {
        remaining: Number(remaining),
        resetMs: reset === undefined ? undefined : Number(reset) * 1000,
        source: `RateLimit: ${structured}`,
      };
  }
  for (const prefix of ['ratelimit', 'x-ratelimit']) {
    const remaining = get(`${prefix}-remaining`);
    if (remaining === undefined || !/^\d+$/.test(remaining)) continue;
    const reset = get(`${prefix}-reset`);
    let resetMs: number | undefined;
    if (reset !== undefined && /^\d+(\.\d+)?$/.test(reset)) {
      const n = Number(reset);
      resetMs = prefix === 'x-ratelimit' && n > 86_400 ? Math.max(0, n * 1000 - now) : n * 1000;
    }
    const name = prefix === 'ratelimit' ? 'RateLimit' : 'X-RateLimit';
    return {
      remaining: Number(remaining),
      resetMs,
      source: `${name}-Remaining: ${remaining}${reset === undefined ? '' : `, ${name}-Reset: ${reset}`}`,
    };
  }
  return undefined;
}
