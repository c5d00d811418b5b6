import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { NanoclawError } from '../common/errors.js';
import { PACKAGE_LAYOUT } from '../common/package-layout.js';
import { HOST_BINARY, planBuildContext, type ImageKind } from './build-context.js';
import { productionPackages, type PackageLock } from './prod-deps.js';
import { TAR_END, padding, tarHeader, type TarEntry } from './tar-header.js';

/** One entry of a build context: where it comes from on the host (none for a made-up directory). */
export interface ContextFile extends TarEntry {
  source?: string;
}

export interface BuildContext {
  files: ContextFile[];
  /** sha256 of every path, mode and byte: equal hashes build equal images. */
  hash: string;
}

async function presentPackages(packageRoot: string): Promise<string[]> {
  const lockPath = join(packageRoot, 'package-lock.json');
  const text = await readFile(lockPath, 'utf8').catch(() => {
    throw new NanoclawError('lockfile_missing', `${lockPath} is missing; the image needs it to know the production dependencies`, {
      hint: `Create it in ${packageRoot}: npm install --package-lock-only`,
    });
  });
  // Optional packages for other platforms are in the lock but not on disk.
  return productionPackages(JSON.parse(text) as PackageLock).filter((p) => existsSync(join(packageRoot, p)));
}

/**
 * The files of the `kind` image's build context (planBuildContext), read from the package:
 * symlinks followed, a package's own nested node_modules left to its separate entries.
 */
export async function collectBuildContext(input: { kind: ImageKind; packageRoot: string; claudeCode?: string }): Promise<BuildContext> {
  const { kind, packageRoot } = input;
  const entry = join(packageRoot, PACKAGE_LAYOUT.cliEntry);
  if (kind === 'vault' && !existsSync(entry)) {
    throw new NanoclawError('not_built', `${entry} is missing: the vault image copies the built app`, {
      hint: `Build it first: (cd ${packageRoot} && npm run build)`,
    });
  }
  const plan = planBuildContext({
    kind,
    packages: kind === 'vault' ? await presentPackages(packageRoot) : [],
    ...(input.claudeCode ? { claudeCode: input.claudeCode } : {}),
  });
  const files = new Map<string, ContextFile>();
  const addDir = (path: string, mode = 0o755) => {
    if (path === '.' || path === '') return;
    addDir(posix.dirname(path));
    if (!files.has(path)) files.set(path, { path, type: 'dir', mode, size: 0 });
  };
  const walk = async (source: string, to: string, skip: readonly string[]): Promise<void> => {
    const s = await stat(source); // follows symlinks: the image gets the real bytes
    if (s.isDirectory()) {
      addDir(to, s.mode & 0o777);
      for (const name of (await readdir(source)).sort()) {
        const child = join(source, name);
        if (!skip.includes(child)) await walk(child, `${to}/${name}`, skip);
      }
    } else if (s.isFile() && !HOST_BINARY.test(source)) {
      addDir(posix.dirname(to));
      files.set(to, { path: to, type: 'file', mode: s.mode & 0o777, size: s.size, source });
    }
  };
  for (const copy of plan.copies) {
    const source = isAbsolute(copy.from) ? copy.from : join(packageRoot, copy.from);
    const skip = [...(copy.skipNestedModules ? ['node_modules'] : []), ...(copy.skipDirs ?? [])].map((d) => join(source, d));
    await walk(source, copy.to, skip);
  }
  // Explicit modes: the point of these entries (a 0770 mount point) is the mode itself.
  for (const dir of plan.emptyDirs) {
    addDir(posix.dirname(dir.path));
    files.set(dir.path, { path: dir.path, type: 'dir', mode: dir.mode, size: 0 });
  }
  const list = [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const hash = createHash('sha256');
  for (const f of list) {
    hash.update(`${f.path}\0${f.type}\0${f.mode}\0${f.size}\0`);
    if (f.source) hash.update(await readFile(f.source));
  }
  return { files: list, hash: hash.digest('hex') };
}

/** The context as a tar stream (what POST /build takes); files are read as it is consumed. */
export function contextTarStream(files: readonly ContextFile[]): Readable {
  async function* chunks() {
    for (const f of files) {
      yield tarHeader(f);
      if (!f.source) continue;
      let written = 0;
      for await (const chunk of createReadStream(f.source)) {
        written += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (written !== f.size) throw new Error(`${f.source} changed size while the build context was being sent`);
      yield padding(f.size);
    }
    yield TAR_END;
  }
  return Readable.from(chunks());
}
