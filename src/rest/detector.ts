// What dlt guesses when a config leaves something out: where the records are in a response, and how the
// API paginates. Both guesses are made on the first response and then kept, and `streamtap check` shows them.
import { formatSegments, type PathSegment } from '../expressions/json-path.js';
import { parseLinkHeader } from './paginators/header-link.js';
import { headerValue, type PageResponse } from './paginators/paginator.js';

const RECORD_KEYS = new Set([
  'data',
  'items',
  'results',
  'entries',
  'records',
  'rows',
  'entities',
  'payload',
  'content',
  'objects',
  'values',
]);
// dlt never takes a list under these keys for the records while another list fits (detector.py).
const NON_RECORD_KEYS = new Set(['meta', 'metadata', 'pagination', 'links', 'extras', 'headers']);
// dlt's TOTAL_PAGES_KEYS: a page count, so the API pages by number (page_number with total_path).
const TOTAL_PAGES_KEYS = new Set(['total_pages', 'pages', 'totalpages']);
const NEXT_KEYS = ['next', 'nextpage', 'nexturl'];
const NEXT_DICT_KEYS = ['href', 'url'];

/**
 * Where the records are: the body itself when it is a list; else the shallowest list under a key that names
 * records (`data`, `items`, ...), else the shallowest list at all (down to three levels), else the body as one record.
 */
export function detectRecordsPath(body: unknown): readonly PathSegment[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [];
  const lists: { depth: number; path: PathSegment[]; key: string }[] = [];
  const walk = (value: Record<string, unknown>, path: PathSegment[], depth: number): void => {
    if (depth > 2) return;
    for (const [key, child] of Object.entries(value)) {
      if (Array.isArray(child)) lists.push({ depth, path: [...path, key], key });
      else if (child !== null && typeof child === 'object')
        walk(child as Record<string, unknown>, [...path, key], depth + 1);
    }
  };
  walk(body as Record<string, unknown>, [], 0);
  lists.sort((a, b) => a.depth - b.depth);
  return (
    (lists.find((l) => RECORD_KEYS.has(l.key.toLowerCase()) && !NON_RECORD_KEYS.has(l.key.toLowerCase())) ?? lists[0])
      ?.path ?? []
  );
}

export type DetectedPaginator =
  | { type: 'header_link' }
  | { type: 'json_link'; next_url_path: string }
  | { type: 'page_number'; total_path: string }
  | { type: 'cursor'; cursor_path: string }
  | { type: 'single_page' };

/**
 * dlt's order (rest_client/detector.py, PaginatorFactory): a `Link: rel="next"` header; a `next`-like key in the
 * body holding a URL (or null); a page count (`total_pages`, `pages`, `totalPages`) → page_number with that
 * total_path; a `next`-like key holding anything else (`next_cursor`, `cursors.next`, `next_id`) → cursor with
 * that cursor_path and dlt's default param `cursor`; else one page.
 */
export function detectPaginator(response: PageResponse): DetectedPaginator {
  if (parseLinkHeader(headerValue(response.headers, 'link')).has('next')) return { type: 'header_link' };
  const path = findNextPath(response.body, [], 0);
  // formatSegments quotes a key such as `@odata.nextLink`, so compilePath reads it back as one key, not two.
  if (path) return { type: 'json_link', next_url_path: formatSegments(path) };
  const total = findTotalPagesPath(response.body, []);
  if (total) return { type: 'page_number', total_path: formatSegments(total) };
  const cursor = findNextPath(response.body, [], 0, true);
  if (cursor) return { type: 'cursor', cursor_path: formatSegments(cursor) };
  return { type: 'single_page' };
}

function findTotalPagesPath(value: unknown, path: string[]): string[] | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const countable = typeof child === 'number' || (typeof child === 'string' && /^\d+$/.test(child));
    if (TOTAL_PAGES_KEYS.has(key.toLowerCase()) && countable) return [...path, key];
    const found = findTotalPagesPath(child, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** `cursor`: find a next-like key holding any scalar (a cursor) rather than only a link. */
function findNextPath(value: unknown, path: string[], depth: number, cursor = false): string[] | undefined {
  if (depth > 3 || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const fits = cursor ? isCursor : looksLikeLink;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const lower = key.toLowerCase();
    if (NEXT_KEYS.some((k) => lower.includes(k))) {
      if (child !== null && typeof child === 'object' && !Array.isArray(child)) {
        const inner = Object.keys(child).find((k) => NEXT_DICT_KEYS.some((d) => k.toLowerCase().includes(d)));
        if (inner && fits((child as Record<string, unknown>)[inner])) return [...path, key, inner];
      } else if (fits(child)) {
        return [...path, key];
      }
    }
    const found = findNextPath(child, [...path, key], depth + 1, cursor);
    if (found) return found;
  }
  return undefined;
}

// A cursor such as "c2" under `next` is not a link; following it as a relative URL would fetch nonsense.
function looksLikeLink(value: unknown): boolean {
  return (
    value === null ||
    (typeof value === 'string' && (/^https?:\/\//i.test(value) || value.startsWith('/') || value.startsWith('?')))
  );
}

function isCursor(value: unknown): boolean {
  return (typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value));
}
