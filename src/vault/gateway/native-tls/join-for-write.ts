/**
 * Pieces meant for one TLS record, joined for one native write. The addon copies or consumes
 * what it is given before write() returns, so the join reuses one buffer instead of allocating
 * a new one per record: off-heap memory that only a garbage collection returns, which made a
 * streamed body cost twice its chunks in memory.
 */
const scratch = Buffer.allocUnsafeSlow(80 * 1024);

/** `parts` as one buffer, valid only until the next call: hand it straight to a native write. */
export function joinForWrite(parts: readonly Buffer[]): Buffer {
  if (parts.length === 1) return parts[0]!;
  let size = 0;
  for (const p of parts) size += p.length;
  if (size > scratch.length) return Buffer.concat(parts, size);
  let at = 0;
  for (const p of parts) at += p.copy(scratch, at);
  return scratch.subarray(0, size);
}
