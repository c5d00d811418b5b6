import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import type { RootfsEntry } from './base-image-plan.js';

const run = promisify(execFile);

async function materialize(root: string, entry: RootfsEntry): Promise<void> {
  const dest = join(root, entry.path);
  await mkdir(dirname(dest), { recursive: true, mode: 0o755 });
  switch (entry.kind) {
    case 'dir':
      await mkdir(dest, { recursive: true });
      await chmod(dest, entry.mode); // explicit: mkdir's mode is filtered by the umask
      return;
    case 'file':
      await copyFile(entry.source, dest); // follows symlinks: the image gets the real bytes
      await chmod(dest, entry.mode ?? (await stat(entry.source)).mode & 0o777);
      return;
    case 'symlink':
      await symlink(entry.target, dest);
      return;
    case 'content':
      await writeFile(dest, entry.content);
      await chmod(dest, entry.mode);
  }
}

/** Writes `entries` to a tarball: root-owned, except dirs with a uid (e.g. /home/node). */
async function writeTarball(root: string, entries: RootfsEntry[], tarPath: string): Promise<void> {
  const owned = entries.flatMap((e) => (e.kind === 'dir' && e.uid !== undefined ? [e] : []));
  const excludes = owned.map((e) => `--exclude=.${e.path}`);
  const common = ['--numeric-owner', '-C', root];
  await run('tar', ['--owner=0', '--group=0', ...excludes, '-cf', tarPath, ...common, '.']);
  // GNU tar sets ownership per invocation, so each owned tree is appended separately;
  // this works when the tests run as a non-root user too (no chown needed).
  for (const e of owned) {
    const id = String(e.uid);
    await run('tar', [`--owner=${id}`, `--group=${id}`, '-rf', tarPath, ...common, `.${e.path}`]);
  }
}

export interface ImportRootfsOptions {
  docker: Docker;
  entries: RootfsEntry[];
  repo: string;
  tag: string;
  /** Dockerfile instructions applied on import (ENV, LABEL, CMD…). */
  changes: string[];
}

/** Builds a root filesystem from `entries` and `docker import`s it as `repo:tag`. */
export async function importRootfs(options: ImportRootfsOptions): Promise<void> {
  const { docker, entries, repo, tag, changes } = options;
  const work = await mkdtemp(join(tmpdir(), 'nanoclaw-base-'));
  try {
    const root = join(work, 'rootfs');
    await mkdir(root, { mode: 0o755 });
    for (const entry of entries) await materialize(root, entry);
    const tarPath = join(work, 'rootfs.tar');
    await writeTarball(root, entries, tarPath);
    const stream = await docker.importImage(tarPath, { repo, tag, changes });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, output: Array<{ error?: string }>) => {
        const failed = err?.message ?? output.find((o) => o.error)?.error;
        if (failed) reject(new Error(`docker import ${repo}:${tag} failed: ${failed}`));
        else resolve();
      });
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
