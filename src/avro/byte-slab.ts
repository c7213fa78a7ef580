// Records written back to back into one large Buffer, each handed out as a view of it: one allocation per
// few hundred records instead of two or three per record. A slab lives until the last view of it is
// dropped, i.e. until its records were sent. Avro's primitive encodings, byte for byte as avsc writes them.

const SLAB_BYTES = 256 * 1024;

export class ByteSlab {
  private buf = Buffer.allocUnsafe(SLAB_BYTES);
  private pos = 0;
  private start = 0;

  /** Starts a record (dropping an unfinished one) with its framing header. */
  begin(header: Buffer): void {
    this.pos = this.start;
    this.ensure(header.length);
    header.copy(this.buf, this.pos);
    this.pos += header.length;
  }

  /** The finished record, as a view. */
  end(): Buffer {
    const view = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    return view;
  }

  /** Position within the current record, for `rewind` (the record may move to a new slab meanwhile). */
  mark(): number {
    return this.pos - this.start;
  }

  rewind(mark: number): void {
    this.pos = this.start + mark;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /**
   * Avro int and long: zig-zag varint of a safe integer. Up to ±2^52 in floating point, where the zig-zag
   * value (at most 2^53 − 1) is still exact; beyond, as a bigint (floating point is what makes avsc's own
   * long imprecise for large negative values, avsc issue #455).
   */
  long(n: number): void {
    if (n > 0x10000000000000 || n < -0x10000000000000) {
      this.bigLong(BigInt(n));
      return;
    }
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    if (n >= -0x40000000 && n < 0x40000000) {
      let m = n >= 0 ? n << 1 : (~n << 1) | 1;
      while (m > 0x7f) {
        buf[pos++] = (m & 0x7f) | 0x80;
        m >>>= 7;
      }
      buf[pos++] = m;
    } else {
      let f = n >= 0 ? n * 2 : -n * 2 - 1;
      while (f >= 128) {
        buf[pos++] = (f % 128) | 0x80;
        f = Math.floor(f / 128);
      }
      buf[pos++] = f;
    }
    this.pos = pos;
  }

  /** Avro long of any int64 value (the caller checks the range): zig-zag varint in bigint arithmetic. */
  bigLong(n: bigint): void {
    this.ensure(10);
    let z = n >= 0n ? n << 1n : (-n << 1n) - 1n;
    while (z >= 0x80n) {
      this.buf[this.pos++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.buf[this.pos++] = Number(z);
  }

  float(f: number): void {
    this.ensure(4);
    this.pos = this.buf.writeFloatLE(f, this.pos);
  }

  double(d: number): void {
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(d, this.pos);
  }

  /**
   * Length, then UTF-8. Like avsc: text of at most 64 bytes is encoded by a character loop (an unpaired
   * surrogate becomes its own 3-byte sequence), longer text by Buffer's encoder (U+FFFD for it).
   */
  string(s: string): void {
    const length = s.length;
    if (length < 22) {
      // At most 63 bytes: the length is one byte, written once the characters are.
      this.ensure(1 + 3 * length);
      const at = this.pos;
      const end = this.chars(s, at + 1);
      this.buf[at] = (end - at - 1) << 1;
      this.pos = end;
      return;
    }
    const bytes = Buffer.byteLength(s);
    this.long(bytes);
    this.ensure(bytes);
    if (bytes > 64) this.buf.write(s, this.pos, bytes, 'utf8');
    else this.chars(s, this.pos);
    this.pos += bytes;
  }

  private chars(s: string, start: number): number {
    const buf = this.buf;
    let pos = start;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) buf[pos++] = c;
      else if (c < 0x800) {
        buf[pos++] = (c >> 6) | 0xc0;
        buf[pos++] = (c & 0x3f) | 0x80;
      } else if ((c & 0xfc00) === 0xd800 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c & 0x3ff) << 10) + (s.charCodeAt(++i) & 0x3ff);
        buf[pos++] = (c >> 18) | 0xf0;
        buf[pos++] = ((c >> 12) & 0x3f) | 0x80;
        buf[pos++] = ((c >> 6) & 0x3f) | 0x80;
        buf[pos++] = (c & 0x3f) | 0x80;
      } else {
        buf[pos++] = (c >> 12) | 0xe0;
        buf[pos++] = ((c >> 6) & 0x3f) | 0x80;
        buf[pos++] = (c & 0x3f) | 0x80;
      }
    }
    return pos;
  }

  /** Room for `n` more bytes; a record that does not fit moves, whole, to a new slab. */
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const used = this.pos - this.start;
    const next = Buffer.allocUnsafe(Math.max(SLAB_BYTES, 2 * (used + n)));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = used;
  }
}
