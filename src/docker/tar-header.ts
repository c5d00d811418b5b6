/** One entry of a tar archive as we write it: root-owned, fixed mtime (reproducible builds). */
export interface TarEntry {
  /** Relative path with `/` separators; directories without a trailing slash. */
  path: string;
  type: 'file' | 'dir';
  mode: number;
  /** Bytes of a file; 0 for a directory. */
  size: number;
}

const BLOCK = 512;
/** Two zero blocks end an archive. */
export const TAR_END = Buffer.alloc(BLOCK * 2);

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function ustarHeader(name: string, prefix: string, entry: { type: string; mode: number; size: number }, typeflag: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(entry.mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(entry.size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii'); // mtime: fixed, so equal files give equal layers
  h.write('        ', 148, 'ascii'); // checksum field counts as spaces while summing
  h.write(typeflag, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** `name` split into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a `/`; null when it cannot be. */
export function splitUstarPath(path: string): { prefix: string; name: string } | null {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) {
    const prefix = path.slice(0, at);
    const name = path.slice(at + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { prefix, name };
  }
  return null;
}

/** A PAX record `"<len> path=<value>\n"`, whose length counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/**
 * The header block(s) of `entry`: plain ustar, or a PAX extended header first when the path
 * is too long for ustar's prefix/name fields. File data and padding() follow it. Pure.
 */
export function tarHeader(entry: TarEntry): Buffer {
  const path = entry.type === 'dir' ? `${entry.path}/` : entry.path;
  const typeflag = entry.type === 'dir' ? '5' : '0';
  const size = entry.type === 'dir' ? 0 : entry.size;
  const split = splitUstarPath(path);
  if (split) return ustarHeader(split.name, split.prefix, { ...entry, size }, typeflag);
  const pax = Buffer.from(paxRecord('path', path), 'utf8');
  return Buffer.concat([
    ustarHeader('PaxHeader', '', { type: 'file', mode: 0o644, size: pax.length }, 'x'),
    pax,
    padding(pax.length),
    ustarHeader(path.slice(0, 99), '', { ...entry, size }, typeflag),
  ]);
}
