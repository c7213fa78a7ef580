// Response bodies as servers send them: content codings undone, bytes decoded to text by the declared
// charset (or a byte-order mark), then parsed as JSON by one function. Nothing here knows about pagination.
import { parseExact } from '../json/exact-json.js';
import { TextDecoder } from 'node:util';
import { StreamtapError } from '../errors.js';
import { brotliDecompress, gunzip, inflate, inflateRaw, type InputType, type ZlibOptions } from 'node:zlib';

/** What streamtap sends as `Accept-Encoding`: the codings {@link decodeContent} undoes (RFC 9110 §12.5.3). */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

/** Why a body could not be read; the client turns it into a RestError with the request's context. */
export class BodyError extends StreamtapError {
  constructor(
    readonly code: 'BODY_TRUNCATED' | 'BODY_NOT_JSON' | 'RESPONSE_TOO_LARGE',
    message: string,
    /** a truncated body is a transport accident: the same request may well succeed */
    retriable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(message, { ...options, retriable });
  }
}

type Inflater = (buf: InputType, options: ZlibOptions, cb: (error: Error | null, result: Buffer) => void) => void;

/**
 * Undoes `Content-Encoding` (gzip, x-gzip, deflate — zlib-wrapped or raw, as some servers send it — and br),
 * last coding first as RFC 9110 §8.4 says. Runs on libuv's pool, so a large page does not stall the event loop.
 *
 * @param raw the body bytes as received
 * @param contentEncoding the response header; absent or `identity`: `raw` is returned as it is
 * @param maxBytes cap on the decoded size, so a small compressed body cannot expand without bound
 * @throws BodyError `BODY_TRUNCATED` (retriable) when the compressed stream ends early, `RESPONSE_TOO_LARGE`
 *   past `maxBytes`, `BODY_NOT_JSON` for a coding streamtap does not know
 */
export async function decodeContent(
  raw: Buffer,
  contentEncoding: string | string[] | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const header = Array.isArray(contentEncoding) ? contentEncoding.join(',') : (contentEncoding ?? '');
  const codings = header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  let body = raw;
  for (const coding of codings.reverse()) {
    if (body.length === 0) return body;
    const fn = inflaterFor(coding, body);
    if (!fn)
      throw new BodyError(
        'BODY_NOT_JSON',
        `response uses content-encoding "${coding}", which streamtap cannot decode`,
        false,
      );
    body = await run(fn, body, maxBytes, coding);
  }
  return body;
}

function inflaterFor(coding: string, body: Buffer): Inflater | undefined {
  if (coding === 'gzip' || coding === 'x-gzip') return gunzip;
  if (coding === 'br') return brotliDecompress;
  // RFC 9110's deflate is the zlib format (RFC 1950), whose first byte names method 8; raw deflate does not.
  if (coding === 'deflate')
    return ((body[0] as number) & 0x0f) === 8 && (((body[0] as number) << 8) | (body[1] as number)) % 31 === 0
      ? inflate
      : inflateRaw;
  return undefined;
}

function run(fn: Inflater, body: Buffer, maxBytes: number, coding: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    fn(body, { maxOutputLength: maxBytes }, (error, result) => {
      if (!error) return resolve(result);
      const code = (error as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE')
        return reject(
          new BodyError('RESPONSE_TOO_LARGE', `decoded response body exceeds ${maxBytes} bytes`, false, {
            cause: error,
          }),
        );
      if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(error.message))
        return reject(
          new BodyError(
            'BODY_TRUNCATED',
            `the ${coding} response body ends early (${body.length} bytes received)`,
            true,
            {
              cause: error,
            },
          ),
        );
      reject(
        new BodyError('BODY_NOT_JSON', `the ${coding} response body is corrupt: ${error.message}`, false, {
          cause: error,
        }),
      );
    });
  });
}

/**
 * Body bytes as text: a byte-order mark wins (UTF-8, UTF-16 LE/BE, as the WHATWG encoding standard sniffs it),
 * else the `charset` of `content-type`, else UTF-8 (RFC 8259 §8.1). The BOM itself is never part of the text.
 *
 * @throws BodyError `BODY_NOT_JSON` when the declared charset is one the platform's TextDecoder does not know
 */
export function decodeBodyText(bytes: Uint8Array, contentType: string | string[] | undefined): string {
  let label = charsetOf(contentType) ?? 'utf-8';
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) label = 'utf-8';
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) label = 'utf-16le';
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) label = 'utf-16be';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label);
  } catch (error) {
    throw new BodyError('BODY_NOT_JSON', `response declares charset "${label}", which streamtap cannot decode`, false, {
      cause: error,
    });
  }
  // TextDecoder drops a leading BOM of its own encoding (ignoreBOM: false).
  return decoder.decode(bytes);
}

function charsetOf(contentType: string | string[] | undefined): string | undefined {
  const text = Array.isArray(contentType) ? contentType[0] : contentType;
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(text ?? '');
  return m ? (m[1] ?? m[2])?.trim() : undefined;
}

/**
 * The one JSON parse of a response body: every page, action view and token response goes through here.
 * Integers beyond 2^53 come out exact, as bigint (json/exact-json.ts); everything else as JSON.parse has it.
 * @throws SyntaxError as JSON.parse does
 */
export function parseJsonText(text: string): unknown {
  return parseExact(text);
}

/**
 * The first `max` characters of a body for an error message, with everything outside printable ASCII escaped
 * (`\uFEFF`, `\u0000`, `\n`), so a BOM, a NUL or a stray control character is visible instead of invisible.
 */
export function escapedHead(text: string, max = 120): string {
  let out = '';
  for (const ch of text.slice(0, max)) {
    const code = ch.codePointAt(0) as number;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code > 0xffff) out += `\\u{${code.toString(16).toUpperCase()}}`;
    else out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return `"${out}"${text.length > max ? '…' : ''}`;
}
