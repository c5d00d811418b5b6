import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NanoclawError } from '../common/errors.js';
import { planBuildContext, type ImageKind } from './build-context.js';
import { productionPackages, type PackageLock } from './prod-deps.js';

export interface BuildContextDir extends AsyncDisposable {
  dir: string;
  /** sha256 of every path, mode and byte in the context: equal hashes build equal images. */
  hash: string;
  /** Top-level entries, for dockerode's `{ context, src }`. */
  entries: string[];
  dispose(): Promise<void>;
}

/** The installed nanoclaw package: the nearest ancestor of this module with a package.json named "nanoclaw". */
export function findPackageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'nanoclaw') return dir;
      } catch {
        /* not ours; keep looking */
      }
    }
    if (dirname(dir) === dir) {
      throw new NanoclawError('package_not_found', `Cannot find the nanoclaw package above ${from}`, {
        hint: 'Run ncl from an installed nanoclaw package (npm install), or reinstall it',
      });
    }
  }
}

async function hashTree(root: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const s = await stat(path);
      const rel = relative(root, path).split(sep).join('/');
      hash.update(`${rel}\0${s.mode & 0o7777}\0${s.isDirectory() ? 'd' : s.size}\0`);
      if (s.isDirectory()) await walk(path);
      else hash.update(await readFile(path));
    }
  };
  await walk(root);
  return hash.digest('hex');
}

async function presentPackages(packageRoot: string): Promise<string[]> {
  const lockPath = join(packageRoot, 'package-lock.json');
  const lock = JSON.parse(await readFile(lockPath, 'utf8').catch(() => {
    throw new NanoclawError('lockfile_missing', `${lockPath} is missing; the image needs it to know the production dependencies`, {
      hint: `Create it in ${packageRoot}: npm install --package-lock-only`,
    });
  })) as PackageLock;
  // Optional packages for other platforms are in the lock but not on disk.
  return productionPackages(lock).filter((p) => existsSync(join(packageRoot, p)));
}

/**
 * Copies what the image of `kind` needs (planBuildContext) from the package into a fresh
 * temp directory, and hashes it. The caller disposes of it after the build.
 */
export async function assembleBuildContext(input: { kind: ImageKind; packageRoot: string }): Promise<BuildContextDir> {
  const { kind, packageRoot } = input;
  if (kind === 'vault' && !existsSync(join(packageRoot, 'dist', 'src', 'main.js'))) {
    throw new NanoclawError('not_built', `${join(packageRoot, 'dist', 'src', 'main.js')} is missing: the vault image copies the built app`, {
      hint: `Build it first: (cd ${packageRoot} && npm run build)`,
    });
  }
  const plan = planBuildContext({ kind, packages: kind === 'vault' ? await presentPackages(packageRoot) : [] });
  const dir = await mkdtemp(join(tmpdir(), `nanoclaw-${kind}-context-`));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    for (const copy of plan.copies) {
      const from = join(packageRoot, copy.from);
      const nested = join(from, 'node_modules');
      await cp(from, join(dir, copy.to), {
        recursive: true,
        dereference: true,
        filter: copy.skipNestedModules ? (src) => src !== nested : undefined,
      });
    }
    for (const empty of plan.emptyDirs) {
      await mkdir(join(dir, empty.path), { recursive: true });
      await chmod(join(dir, empty.path), empty.mode); // mkdir's mode is cut by the umask
    }
    const entries = (await readdir(dir)).sort();
    return { dir, hash: await hashTree(dir), entries, dispose, [Symbol.asyncDispose]: dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
