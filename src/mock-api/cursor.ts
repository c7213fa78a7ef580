// Opaque pagination cursors for the mock SavvyCal API.
//
// A cursor names a boundary position in a collection: `after=<c>` returns the entries starting at
// that position, `before=<c>` the entries ending just before it. Positions are stable across
// revisions because records never move (new ones are appended), so a cursor stays valid while the
// data changes, like the real API's key-based cursors.
//
// Encoding: 11 bytes -> standard base64 (16 characters, one '=' of padding), like the real API's
// cursors (e.g. "g3QAAAABZAACaWRiAAAbFA=="). Clients must URL-encode them ('+', '/', '=' occur).
//   [0]    magic 0xb7
//   [1]    format version 1
//   [2]    resource code (1 = events, 2 = links)
//   [3..6] position, uint32 big-endian
//   [7..10] checksum of bytes 0..6 (FNV-1a 32, big-endian)
// Anything else (bad base64, wrong length, wrong resource, bad checksum) is malformed.

export type CursorResource = 'events' | 'links';

const MAGIC = 0xb7;
const VERSION = 1;
const RESOURCE_CODE: Record<CursorResource, number> = { events: 1, links: 2 };
const BASE64_RE = /^[A-Za-z0-9+/]{15}=$/;

function fnv1a(bytes: Uint8Array, length: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) {
    h ^= bytes[i] ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Encode a boundary position of `resource` as an opaque cursor string. */
export function encodeCursor(resource: CursorResource, position: number): string {
  if (!Number.isInteger(position) || position < 0 || position > 0xffffffff) {
    throw new RangeError(`cursor position out of range: ${position}`);
  }
  const buf = Buffer.alloc(11);
  buf[0] = MAGIC;
  buf[1] = VERSION;
  buf[2] = RESOURCE_CODE[resource];
  buf.writeUInt32BE(position, 3);
  buf.writeUInt32BE(fnv1a(buf, 7), 7);
  return buf.toString('base64');
}

/** Decode a cursor for `resource`; returns the position, or null when the cursor is malformed. */
export function decodeCursor(resource: CursorResource, cursor: string): number | null {
  if (cursor.length !== 16 || !BASE64_RE.test(cursor)) return null;
  const buf = Buffer.from(cursor, 'base64');
  if (buf.length !== 11 || buf.toString('base64') !== cursor) return null;
  if (buf[0] !== MAGIC || buf[1] !== VERSION || buf[2] !== RESOURCE_CODE[resource]) return null;
  if (buf.readUInt32BE(7) !== fnv1a(buf, 7)) return null;
  return buf.readUInt32BE(3);
}
