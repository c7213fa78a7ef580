// Slab recycling (src/avro/byte-slab.ts): a slab is written again only once it is full and every record
// written into it was released; a record not released keeps its bytes whatever is written after it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteSlab, freeSlabCount, releaseRecord } from '../../src/avro/byte-slab.js';

const HEADER = Buffer.from([0xc3, 0x01]);

function write(slab: ByteSlab, text: string): Buffer {
  slab.begin(HEADER);
  slab.string(text);
  return slab.end();
}

/** Deterministic text of 100–1,100 characters, some of them beyond ASCII. */
function textOf(i: number): string {
  return `${i}:` + 'é'.repeat(i % 7) + 'x'.repeat(100 + ((i * 7919) % 1000));
}

test('records never released keep their bytes; released ones let their slab be written again', () => {
  const slab = new ByteSlab();
  const kept: { bytes: Buffer; copy: Buffer }[] = [];
  const pending: Buffer[] = [];
  const freeBefore = freeSlabCount();
  let reused = false;
  // 3,000 records of ~600 bytes: several slabs. Every third record is kept (never released), the others
  // are released in batches of 50, as the publisher does after an acknowledgement.
  for (let i = 0; i < 3_000; i++) {
    const bytes = write(slab, textOf(i));
    if (i % 3 === 0) kept.push({ bytes, copy: Buffer.from(bytes) });
    else pending.push(bytes);
    if (pending.length === 50) {
      for (const b of pending.splice(0)) releaseRecord(b);
    }
    if (freeSlabCount() > freeBefore) reused = true;
  }
  for (const { bytes, copy } of kept) assert.deepEqual(bytes, copy, 'a record not released was overwritten');
  // With a third of every slab kept, no slab is ever free: nothing was recycled.
  assert.equal(reused, false);
});

test('a full slab whose records were all released is reused, and its old records are not read again', () => {
  const slab = new ByteSlab();
  const first: Buffer[] = [];
  for (let i = 0; i < 1_000; i++) first.push(write(slab, textOf(i)));
  const firstSlab = first[0]?.buffer;
  for (const b of first) releaseRecord(b);
  const live: { bytes: Buffer; copy: Buffer }[] = [];
  let sawReuse = false;
  for (let i = 0; i < 2_000; i++) {
    const bytes = write(slab, textOf(i));
    if (bytes.buffer === firstSlab) sawReuse = true;
    live.push({ bytes, copy: Buffer.from(bytes) });
  }
  assert.ok(sawReuse, 'the released slab was written again');
  for (const { bytes, copy } of live) assert.deepEqual(bytes, copy);
});

test('releasing a record twice is refused; a value no slab wrote is ignored', () => {
  const slab = new ByteSlab();
  const bytes = write(slab, 'once');
  releaseRecord(bytes);
  assert.throws(() => releaseRecord(bytes), /released twice/);
  releaseRecord(Buffer.from('a dead letter'));
  releaseRecord(null);
});

test('a record larger than a slab gets a buffer of its own and is never recycled', () => {
  const slab = new ByteSlab();
  const big = write(slab, 'y'.repeat(300 * 1024));
  const copy = Buffer.from(big);
  releaseRecord(big);
  for (let i = 0; i < 2_000; i++) releaseRecord(write(slab, textOf(i)));
  assert.deepEqual(big, copy);
});
