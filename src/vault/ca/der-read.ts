/**
 * A minimal DER reader: enough to walk a certificate we (or another CA tool) wrote and lift out
 * raw elements byte for byte, e.g. the issuer Name a leaf must repeat exactly.
 */

export interface DerElement {
  tag: number;
  /** The whole TLV. */
  raw: Buffer;
  /** The value bytes only. */
  content: Buffer;
}

/** Reads the one TLV at `offset`; throws RangeError on truncated or non-DER input. */
export function readElement(buf: Buffer, offset = 0): DerElement {
  const tag = buf[offset];
  const first = buf[offset + 1];
  if (tag === undefined || first === undefined) throw new RangeError('truncated DER');
  if ((tag & 0x1f) === 0x1f) throw new RangeError('multi-byte DER tags are not supported');
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new RangeError('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) {
      const b = buf[offset + 2 + i];
      if (b === undefined) throw new RangeError('truncated DER');
      length = length * 256 + b;
    }
    header += count;
  }
  const end = offset + header + length;
  if (end > buf.length) throw new RangeError('truncated DER');
  return { tag, raw: buf.subarray(offset, end), content: buf.subarray(offset + header, end) };
}

/** The elements inside a constructed element (SEQUENCE, SET, explicit tag). */
export function children(el: DerElement): DerElement[] {
  const out: DerElement[] = [];
  for (let off = 0; off < el.content.length; ) {
    const child = readElement(el.content, off);
    out.push(child);
    off += child.raw.length;
  }
  return out;
}

/** Decodes an OBJECT IDENTIFIER's content to dotted form. */
export function decodeOid(content: Buffer): string {
  const arcs: bigint[] = [];
  let value = 0n;
  for (const byte of content) {
    value = (value << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0n;
    }
  }
  const [head, ...rest] = arcs;
  if (head === undefined) throw new RangeError('empty OID');
  const first = head < 80n ? head / 40n : 2n;
  return [first, head - first * 40n, ...rest].join('.');
}
