import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('creates new files 0600 and leaves no temp file behind', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ncl-aw-'));
    const file = join(dir, 'sub', 'key');
    await writeFileAtomic(file, 'one');
    expect(readFileSync(file, 'utf8')).toBe('one');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['key']);
  });

  it('keeps the mode of the file it replaces unless told otherwise', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ncl-aw-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'old');
    chmodSync(file, 0o640);
    await writeFileAtomic(file, Buffer.from('new'));
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    await writeFileAtomic(file, 'newer', { mode: 0o600 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('leaves the old bytes when the write cannot happen', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ncl-aw-'));
    const file = join(dir, 'f');
    writeFileSync(file, 'keep me');
    await expect(writeFileAtomic(join(file, 'not-a-dir'), 'x')).rejects.toThrow();
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });
});
