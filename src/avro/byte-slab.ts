// Records written back to back into one large Buffer, each handed out as a view of it: one allocation per
// few hundred records instead of two or three per record. A slab lives until the last view of it is
// dropped, i.e. until its records were sent. Avro's primitive encodings, byte for byte as avsc writes them.
//
// Slabs are recycled: once a slab is full and every record written into it was released (the publisher
// calls `releaseRecord` for each record of a batch the broker acknowledged), it is written again. Left to
// the garbage collector, a slab whose views lived through two scavenges (a batch in flight does) waits for
// a full collection, which V8 starts for external memory only after ~64 MB of it: the producer's footprint
// grew with the length of a run. A record never released (refused, or its send failed) leaves its slab to
// the collector, as before; releasing a record twice is a bug that `releaseRecord` refuses.

const SLAB_BYTES = 256 * 1024;
/** free slabs kept for reuse, per thread: 4 MiB, two full batches of records */
const MAX_FREE_SLABS = 16;

interface SlabState {
  /** records handed out and not yet released */
  views: number;
  /** no more records will be written into it */
  retired: boolean;
}

// Keyed by the slab's ArrayBuffer: a view reaches it through `.buffer`; weak, so a slab left to the
// collector takes its state with it.
const states = new WeakMap<ArrayBufferLike, SlabState>();
const freeSlabs: Buffer[] = [];

function takeSlab(): Buffer {
  const slab = freeSlabs.pop() ?? Buffer.allocUnsafe(SLAB_BYTES);
  states.set(slab.buffer, { views: 0, retired: false });
  return slab;
}

function recycle(slab: ArrayBufferLike): void {
  states.delete(slab);
  if (freeSlabs.length < MAX_FREE_SLABS) freeSlabs.push(Buffer.from(slab as ArrayBuffer, 0, SLAB_BYTES));
}

/**
 * Declares a record written by a `ByteSlab` sent and no longer read by anyone: its bytes may be
 * overwritten once the other records of its slab are released too. Call it once per record, only after
 * the broker acknowledged it (kafkajs reads the view until then). A value not written by a slab (a dead
 * letter's JSON, null) is ignored.
 * @throws Error when the record's slab has no unreleased record left (a second release of one record)
 */
export function releaseRecord(view: Uint8Array | null | undefined): void {
  if (!view) return;
  const state = states.get(view.buffer);
  if (!state) return;
  if (state.views <= 0) throw new Error('ByteSlab: a record released twice (its slab has no unreleased record)');
  if (--state.views === 0 && state.retired) recycle(view.buffer);
}

/** Free slabs waiting for reuse on this thread (for tests). */
export function freeSlabCount(): number {
  return freeSlabs.length;
}

export class ByteSlab {
  private buf = takeSlab();
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
    const state = states.get(this.buf.buffer);
    if (state) state.views++;
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
    // A record larger than a slab gets a buffer of its own, never recycled.
    const next = 2 * (used + n) <= SLAB_BYTES ? takeSlab() : Buffer.allocUnsafe(2 * (used + n));
    this.buf.copy(next, 0, this.start, this.pos);
    const old = states.get(this.buf.buffer);
    if (old) {
      old.retired = true;
      if (old.views === 0) recycle(this.buf.buffer);
    }
    this.buf = next;
    this.start = 0;
    this.pos = used;
  }
}
