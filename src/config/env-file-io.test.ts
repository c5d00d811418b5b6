import { chmod, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnvFile, updateEnvFile } from './env-file-io.js';
import { removeEnvKeys, setEnvValue } from './env-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncl-env-io-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('readEnvFile', () => {
  it('returns null for a missing file and the parsed document otherwise', async () => {
    expect(await readEnvFile(join(dir, '.env'))).toBeNull();
    await writeFile(join(dir, '.env'), 'A=1\nA=2\n');
    expect((await readEnvFile(join(dir, '.env')))?.get('A')).toBe('2');
  });

  it('fails with a hint when the path cannot be read as a file', async () => {
    await expect(readEnvFile(dir)).rejects.toMatchObject({ code: 'env_file_unreadable', hint: expect.stringContaining(dir) });
  });
});

describe('updateEnvFile', () => {
  it('edits only the changed line and keeps the file mode', async () => {
    const path = join(dir, '.env');
    await writeFile(path, '# keep\r\nA=1\r\nexport B="two"\r\n');
    await chmod(path, 0o640);
    const doc = await updateEnvFile(path, (d) => setEnvValue(d, 'B', 'three'));
    expect(doc.get('B')).toBe('three');
    expect(await readFile(path, 'utf8')).toBe('# keep\r\nA=1\r\nexport B="three"\r\n');
    expect(await mode(path)).toBe(0o640);
    expect(await readdir(dir)).toEqual(['.env']); // no temp file left behind
  });

  it('creates a missing file with mode 0600', async () => {
    const path = join(dir, 'sub', '.env');
    await updateEnvFile(path, (d) => setEnvValue(d, 'ONECLI_URL', 'http://127.0.0.1:10254'));
    expect(await readFile(path, 'utf8')).toBe('ONECLI_URL=http://127.0.0.1:10254\n');
    expect(await mode(path)).toBe(0o600);
  });

  it('writes nothing when the edit changes no byte', async () => {
    const path = join(dir, '.env');
    await writeFile(path, 'A=1\n');
    const before = await stat(path);
    await updateEnvFile(path, (d) => void removeEnvKeys(d, ['ABSENT']));
    expect((await stat(path)).ino).toBe(before.ino);
    await updateEnvFile(join(dir, 'absent.env'), () => {});
    expect(await readdir(dir)).toEqual(['.env']);
  });

  it('leaves the file untouched when the edit throws', async () => {
    const path = join(dir, '.env');
    await writeFile(path, 'A=1\n');
    const failing = updateEnvFile(path, (d) => {
      setEnvValue(d, 'A', '2');
      throw new Error('interrupted');
    });
    await expect(failing).rejects.toThrow('interrupted');
    expect(await readFile(path, 'utf8')).toBe('A=1\n');
  });

  it('keeps bytes that are not UTF-8 exactly', async () => {
    const path = join(dir, '.env');
    const bytes = Buffer.concat([Buffer.from('A=caf'), Buffer.from([0xe9, 0xff]), Buffer.from('\nSECRET=x\n')]);
    await writeFile(path, bytes);
    await updateEnvFile(path, (d) => void removeEnvKeys(d, ['SECRET']));
    expect(await readFile(path)).toEqual(Buffer.concat([Buffer.from('A=caf'), Buffer.from([0xe9, 0xff, 0x0a])]));
    await expect(updateEnvFile(path, (d) => setEnvValue(d, 'B', 'ok ✓'))).rejects.toMatchObject({ code: 'env_file_encoding' });
  });

  it('keeps a UTF-8 byte-order mark', async () => {
    const path = join(dir, '.env');
    await writeFile(path, '\uFEFFA=1\n');
    await updateEnvFile(path, (d) => setEnvValue(d, 'B', 'é'));
    expect((await readFile(path)).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect((await readEnvFile(path))?.get('B')).toBe('é');
  });

  it('writes through a symlink to its target', async () => {
    const target = join(dir, 'real.env');
    await writeFile(target, 'A=1\n');
    await symlink(target, join(dir, '.env'));
    await updateEnvFile(join(dir, '.env'), (d) => setEnvValue(d, 'A', '2'));
    expect(await readFile(target, 'utf8')).toBe('A=2\n');
    expect((await readEnvFile(join(dir, '.env')))?.get('A')).toBe('2');
  });
});
