import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { NanoclawError } from '../../src/common/errors.js';
import { importRootfs } from './base-image-build.js';
import { collectBaseImageInputs } from './base-image-inputs.js';
import { canonicalImagePath, hashRootfs, planRootfs, type RootfsEntry } from './base-image-plan.js';
import { requireDocker } from './docker-engine.js';
import { withFileLock } from './file-lock.js';
import { BASE_LABEL } from './test-labels.js';

const run = promisify(execFile);
export const TOOLCHAIN_IMAGE_REPO = 'nanoclaw-test-toolchain';
// What node-gyp needs to compile the native addon: a C++ compiler, make and python3.
const TOOLCHAIN_PACKAGES = ['g++', 'make', 'python3'];
const SKIPPED = /^\/usr\/share\/(doc|man|info|locale|lintian|bug)\//;

/** Installed Debian packages needed by `roots` (Depends and Pre-Depends; the first installed alternative). */
async function packageClosure(roots: string[]): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const pkg = queue.shift()!;
    if (seen.has(pkg)) continue;
    const { stdout } = await run('dpkg-query', ['-W', '-f=${db:Status-Status}|${Depends},${Pre-Depends}', pkg]).catch(() => ({ stdout: '' }));
    const [status, deps = ''] = stdout.split('|');
    if (status !== 'installed') continue;
    seen.add(pkg);
    for (const group of deps.split(',').map((d) => d.trim()).filter(Boolean)) {
      const names = group.split('|').map((alt) => alt.trim().split(/[\s(]/)[0]!.replace(/:any$/, ''));
      queue.push(...names.slice(0, 1), ...names.slice(1).filter((n) => seen.has(n)));
    }
  }
  return [...seen];
}

/** The files and symlinks the installed Debian packages `pkgs` put on this host (documentation left out), as rootfs entries. */
export async function packageFiles(pkgs: string[]): Promise<RootfsEntry[]> {
  const out: RootfsEntry[] = [];
  for (const pkg of pkgs) {
    const { stdout } = await run('dpkg-query', ['-L', pkg], { maxBuffer: 64 * 1024 * 1024 });
    for (const path of stdout.split('\n').filter((p) => p.startsWith('/'))) {
      const st = await lstat(path).catch(() => null);
      if (st?.isSymbolicLink()) out.push({ kind: 'symlink', path: canonicalImagePath(path), target: await readlink(path) });
      else if (st?.isFile() && !SKIPPED.test(path)) out.push({ kind: 'file', path: canonicalImagePath(path), source: path });
    }
  }
  return out;
}

/** One entry per file or symlink under `hostPath` (recursively), placed at `imagePath`. */
async function treeEntries(hostPath: string, imagePath: string, out: RootfsEntry[]): Promise<void> {
  const st = await lstat(hostPath).catch(() => null);
  if (!st || SKIPPED.test(imagePath)) return;
  if (st.isSymbolicLink()) out.push({ kind: 'symlink', path: imagePath, target: await readlink(hostPath) });
  else if (st.isFile()) out.push({ kind: 'file', path: imagePath, source: hostPath });
  else if (st.isDirectory()) for (const name of await readdir(hostPath)) await treeEntries(join(hostPath, name), join(imagePath, name), out);
}

/** npm's node-gyp on this machine (what `npm run build` uses), as the npm directory that holds it. */
function npmWithNodeGyp(): string | undefined {
  const prefix = dirname(dirname(process.execPath));
  return [join(prefix, 'lib/node_modules/npm'), join(prefix, 'lib/npm'), '/usr/lib/node_modules/npm', '/usr/local/lib/node_modules/npm'].find((dir) =>
    existsSync(join(dir, 'node_modules/node-gyp/bin/node-gyp.js')),
  );
}

/**
 * A local image to compile the native addon in, built from host files like the test base image:
 * the base (node, busybox) plus the Debian packages of g++, make and python3, Node's headers in
 * /usr/local/include/node and npm's node-gyp, all where an official node:24-bookworm image has them.
 */
export async function ensureToolchainImage(options: { docker?: Docker } = {}): Promise<string> {
  const docker = options.docker ?? (await requireDocker());
  const headers = join(dirname(dirname(process.execPath)), 'include', 'node');
  const npm = npmWithNodeGyp();
  if (!existsSync(join(headers, 'node_api.h')) || !npm || !existsSync('/usr/bin/dpkg-query')) {
    throw new NanoclawError('toolchain_unavailable', 'The test toolchain image needs Node headers beside the running node, npm with node-gyp, and dpkg', {
      hint: 'Run the tests with the Node that setup.sh installs (.node/) on Debian with g++, make and python3 (.ci/run installs them)',
    });
  }
  const entries = planRootfs(await collectBaseImageInputs());
  const seen = new Set(entries.map((e) => e.path));
  const extra: RootfsEntry[] = [];
  extra.push(...(await packageFiles(await packageClosure(TOOLCHAIN_PACKAGES))));
  await treeEntries(headers, '/usr/local/include/node', extra);
  await treeEntries(npm, '/usr/local/lib/node_modules/npm', extra);
  for (const e of extra) if (!seen.has(e.path)) (seen.add(e.path), entries.push(e));
  return importOnce({ docker, entries, repo: TOOLCHAIN_IMAGE_REPO });
}

/**
 * `repo:<hash of entries and their host files>`, imported from `entries` unless an image of that
 * tag exists (under a file lock, so parallel test files import it once). Kept between runs.
 */
export async function importOnce({ docker, entries, repo }: { docker: Docker; entries: RootfsEntry[]; repo: string }): Promise<string> {
  const hash = hashRootfs(entries, (source) => {
    const s = statSync(source);
    return `${s.size}:${Math.trunc(s.mtimeMs)}`;
  });
  const ref = `${repo}:${hash}`;
  const exists = () => docker.getImage(ref).inspect().then(() => true, () => false);
  if (await exists()) return ref;
  await withFileLock(join(tmpdir(), `${repo}-${hash}.lock`), async () => {
    if (await exists()) return;
    await importRootfs({ docker, entries, repo, tag: hash, changes: ['ENV PATH=/usr/local/bin:/usr/bin:/bin', `LABEL ${BASE_LABEL}=1`, 'CMD ["/bin/sh"]'] });
  });
  return ref;
}
