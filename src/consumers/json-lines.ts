// Rows as one JSONEachRow body. Written into a Buffer line by line rather than joined into one string:
// the body lives outside the V8 heap (less GC work) and is handed to the engine without another copy.
const MIN_CAPACITY = 64 * 1024;

export function jsonEachRow(rows: readonly unknown[]): Buffer {
  let buffer = Buffer.allocUnsafe(MIN_CAPACITY);
  let length = 0;
  for (const row of rows) {
    const line = JSON.stringify(row);
    // UTF-8 needs at most 3 bytes per UTF-16 code unit, plus the newline.
    const worst = line.length * 3 + 1;
    if (length + worst > buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, length + worst));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    length += buffer.write(line, length, 'utf8');
    buffer[length++] = 0x0a;
  }
  return buffer.subarray(0, length);
}
