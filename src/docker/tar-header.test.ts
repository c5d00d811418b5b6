import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TAR_END, padding, splitUstarPath, tarHeader, type TarEntry } from './tar-header.js';

function archive(entries: { entry: TarEntry; data?: Buffer }[]): Buffer {
  return Buffer.concat([
    ...entries.flatMap(({ entry, data }) => [tarHeader(entry), ...(data ? [data, padding(data.length)] : [])]),
    TAR_END,
  ]);
}

describe('tarHeader', () => {
  it('writes a valid ustar header: fields, owner root, and a checksum tar accepts', () => {
    const h = tarHeader({ path: 'rootfs/data', type: 'dir', mode: 0o770, size: 0 });
    expect(h.length).toBe(512);
    expect(h.subarray(0, 12).toString()).toBe('rootfs/data/');
    expect(h.subarray(100, 107).toString()).toBe('0000770');
    expect(h.subarray(156, 157).toString()).toBe('5');
    expect(h.subarray(257, 262).toString()).toBe('ustar');
    let sum = 0;
    h.forEach((b, i) => (sum += i >= 148 && i < 156 ? 32 : b));
    expect(parseInt(h.subarray(148, 155).toString(), 8)).toBe(sum);
  });

  it('splits long paths at a slash, and falls back to PAX for paths ustar cannot hold', () => {
    const long = `node_modules/${'a'.repeat(60)}/${'b'.repeat(60)}/index.js`;
    expect(splitUstarPath(long)).toEqual({ prefix: `node_modules/${'a'.repeat(60)}`, name: `${'b'.repeat(60)}/index.js` });
    expect(splitUstarPath(`x/${'c'.repeat(120)}`)).toBeNull();
    const pax = tarHeader({ path: `x/${'c'.repeat(120)}`, type: 'file', mode: 0o644, size: 3 });
    expect(pax.length).toBe(512 * 3);
    expect(pax.subarray(156, 157).toString()).toBe('x');
  });

  it('round-trips through the system tar: names, modes, contents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nanoclaw-tar-'));
    try {
      const long = `d/${'e'.repeat(130)}.txt`;
      const split = `node_modules/${'a'.repeat(90)}/${'b'.repeat(90)}/f.js`;
      const tar = archive([
        { entry: { path: 'rootfs/data', type: 'dir', mode: 0o770, size: 0 } },
        { entry: { path: 'hello.txt', type: 'file', mode: 0o640, size: 5 }, data: Buffer.from('hello') },
        { entry: { path: long, type: 'file', mode: 0o644, size: 4 }, data: Buffer.from('long') },
        { entry: { path: split, type: 'file', mode: 0o755, size: 2 }, data: Buffer.from('ok') },
      ]);
      writeFileSync(join(dir, 'a.tar'), tar);
      const listing = execFileSync('tar', ['-tvf', join(dir, 'a.tar')], { encoding: 'utf8' });
      expect(listing).toMatch(/^drwxrwx--- .*rootfs\/data\/$/m);
      expect(listing).toMatch(/^-rw-r----- .*hello\.txt$/m);
      expect(listing).toContain(long);
      expect(listing).toContain(split);
      execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', dir]);
      expect(execFileSync('cat', [join(dir, long), join(dir, split)], { encoding: 'utf8' })).toBe('longok');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
