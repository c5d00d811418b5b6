import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedPart, checkAdditionalMounts, mountProblem, type AllowedRoot } from './mount-allowlist.js';

const roots: AllowedRoot[] = [
  { path: '/home/u/projects', allowReadWrite: false },
  { path: '/data', allowReadWrite: true },
];
const mount = (resolvedPath: string, readonly = true, children: string[] = []) => ({ hostPath: resolvedPath, resolvedPath, readonly, children });

describe('mountProblem (pure)', () => {
  it('allows a read-only mount under an allowed root, and read-write only where the root allows it', () => {
    expect(mountProblem(mount('/home/u/projects/app'), roots, [])).toBeNull();
    expect(mountProblem(mount('/home/u/projects'), roots, [])).toBeNull();
    expect(mountProblem(mount('/data/x', false), roots, [])).toBeNull();
    expect(mountProblem(mount('/home/u/projects/app', false), roots, [])).toMatch(/read-only mounts only/);
  });
  it('refuses paths outside every root, including look-alike prefixes', () => {
    expect(mountProblem(mount('/home/u/projects-old'), roots, [])).toMatch(/not under any allowed root/);
    expect(mountProblem(mount('/home/u'), roots, [])).toMatch(/not under any allowed root/);
    expect(mountProblem(mount('/etc'), roots, [])).toMatch(/not under any allowed root/);
  });
  it.each(['/data/.ssh', '/data/x/.aws/config', '/data/app/.env', '/data/app/.env.local', '/data/gcloud/credentials.db', '/data/keys/id_rsa.pub', '/data/my_private_key.pem', '/data/run/docker.sock'])(
    'always refuses %s, even under a read-write root',
    (p) => expect(mountProblem(mount(p), roots, [])).toMatch(/never mounted/),
  );
  it('refuses a directory that directly holds a sensitive entry', () => {
    expect(mountProblem(mount('/data/home', true, ['notes', '.ssh']), roots, [])).toMatch(/contains "\.ssh"/);
  });
  it('refuses overlaps with nanoclaw’s own files in both directions', () => {
    expect(mountProblem(mount('/data'), roots, ['/data/vault'])).toMatch(/overlaps \/data\/vault/);
    expect(mountProblem(mount('/data/vault/sub'), roots, ['/data/vault'])).toMatch(/overlaps/);
    expect(mountProblem(mount('/data/other'), roots, ['/data/vault'])).toBeNull();
  });
  it('blockedPart matches case-insensitively and leaves ordinary names alone', () => {
    expect(blockedPart('.SSH')).toBe('.ssh');
    expect(blockedPart('AWS-Credentials.json')).toBe('credentials');
    expect(blockedPart('.environment')).toBeNull();
    expect(blockedPart('src')).toBeNull();
  });
});

describe('checkAdditionalMounts (files and symlinks)', () => {
  let dir: string;
  let home: string;
  let allowlist: string;
  beforeAll(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'ncl-mounts-')));
    home = join(dir, 'home');
    await mkdir(join(home, 'projects', 'app'), { recursive: true });
    await mkdir(join(home, '.ssh'), { recursive: true });
    await writeFile(join(home, '.ssh', 'id_ed25519'), 'not a key');
    await symlink(join(home, '.ssh'), join(home, 'projects', 'innocent'));
    await mkdir(join(dir, 'vault'));
    await symlink(join(dir, 'vault'), join(home, 'projects', 'vault-link'));
    allowlist = join(dir, 'mount-allowlist.json');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const check = (hostPath: string, readonly = true) =>
    checkAdditionalMounts({ mounts: [{ hostPath, containerPath: '/w', readonly }], allowlistFile: allowlist, home, protectedPaths: [join(dir, 'vault')] });

  it('refuses every extra mount while there is no allowlist file', async () => {
    await expect(check('~/projects/app')).rejects.toMatchObject({ code: 'mount_refused', message: expect.stringContaining('no mount allowlist') });
  });

  it('allows under a listed root (with ~), resolving the path', async () => {
    await writeFile(allowlist, JSON.stringify({ allowedRoots: ['~/projects'] }));
    expect(await check('~/projects/app')).toEqual([{ hostPath: join(home, 'projects', 'app'), containerPath: '/w', readonly: true }]);
    await expect(check('~/projects/app', false)).rejects.toThrow(/read-only/);
  });

  it('follows symlinks before deciding: a link to ~/.ssh or to the vault dir is refused', async () => {
    await writeFile(allowlist, JSON.stringify({ allowedRoots: ['~/projects'] }));
    await expect(check('~/projects/innocent')).rejects.toThrow(/\.ssh/);
    await expect(check('~/projects/vault-link')).rejects.toThrow(/overlaps/);
  });

  it('refuses a missing path and reports a malformed allowlist with its file name', async () => {
    await writeFile(allowlist, JSON.stringify({ allowedRoots: ['~/projects'] }));
    await expect(check('~/projects/missing')).rejects.toThrow(/does not exist/);
    await writeFile(allowlist, JSON.stringify({ allowedRoots: [{ dir: '/x' }] }));
    await expect(check('~/projects/app')).rejects.toMatchObject({ code: 'bad_mount_allowlist', message: expect.stringContaining(allowlist) });
  });

  it('returns nothing and reads nothing when there are no extra mounts', async () => {
    await writeFile(allowlist, 'not json');
    expect(await checkAdditionalMounts({ mounts: [], allowlistFile: allowlist, home, protectedPaths: [] })).toEqual([]);
  });
});
