// Query parameters written into a URL the API may have given us (a next link, a parent's download_url, a
// pre-signed URL). URLSearchParams re-serializes the whole query on any change (`%20` becomes `+`, `%2F` in a
// value may become `/`'s form twin), which breaks signatures computed over the exact bytes. Here the existing
// query stays byte for byte; only the pair being set is written, encoded as URLSearchParams would encode it.

/**
 * Sets `name=value` in `url`'s query in place: every existing pair whose decoded name is `name` is dropped (so a
 * parameter is never sent twice), the new pair takes the place of the first of them or goes at the end, and every
 * other pair keeps its bytes and order.
 *
 * @param url edited in place
 * @param name parameter name, unencoded
 * @param value parameter value, unencoded; encoded with application/x-www-form-urlencoded rules
 */
export function setQueryParam(url: URL, name: string, value: string): void {
  const query = url.search.startsWith('?') ? url.search.slice(1) : url.search;
  const pair = new URLSearchParams([[name, value]]).toString();
  const out: string[] = [];
  let placed = false;
  for (const existing of query === '' ? [] : query.split('&')) {
    if (existing === '' || decodedName(existing) !== name) out.push(existing);
    else if (!placed) {
      out.push(pair);
      placed = true;
    }
  }
  if (!placed) out.push(pair);
  url.search = out.join('&');
}

/** Whether the query of `url` already holds a parameter called `name` (decoded). */
export function hasQueryParam(url: URL, name: string): boolean {
  const query = url.search.startsWith('?') ? url.search.slice(1) : url.search;
  return query.split('&').some((pair) => pair !== '' && decodedName(pair) === name);
}

function decodedName(pair: string): string {
  const raw = pair.split('=', 1)[0] as string;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}
