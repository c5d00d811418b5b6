import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { collectBaseImageInputs, sharedLibraries } from './base-image-inputs.js';
import { canonicalImagePath, planRootfs, type RootfsEntry } from './base-image-plan.js';
import { requireDocker } from './docker-engine.js';
import { postgresBin } from './postgres-server.js';
import { importOnce, packageFiles } from './toolchain-image.js';

export const POSTGRES_BASE_REPO = 'nanoclaw-test-postgres-base';

/**
 * An offline base for templates/postgres: the test base image (busybox, node) plus the host's
 * Debian `postgresql-<v>` and `postgresql-client-<v>` files, tzdata, and the shared libraries of
 * their binaries. Given it as BASE_IMAGE, the Dockerfile finds Postgres and downloads nothing.
 */
export async function ensurePostgresBaseImage(options: { docker?: Docker } = {}): Promise<string> {
  const docker = options.docker ?? (await requireDocker());
  const bin = postgresBin();
  if (!bin) throw new Error('Postgres is not installed under /usr/lib/postgresql (apt-get install postgresql, or run .ci/run)');
  const version = basename(dirname(bin));
  const entries = planRootfs(await collectBaseImageInputs());
  const seen = new Set(entries.map((e) => e.path));
  const add = (e: RootfsEntry) => void (seen.has(e.path) || (seen.add(e.path), entries.push(e)));
  for (const e of await packageFiles([`postgresql-${version}`, `postgresql-client-${version}`, 'tzdata'])) add(e);
  const lib = join(dirname(bin), 'lib');
  const elves = [...readdirSync(bin).map((f) => join(bin, f)), ...readdirSync(lib).filter((f) => f.endsWith('.so')).map((f) => join(lib, f))];
  for (const elf of elves) {
    for (const source of await sharedLibraries(elf).catch(() => [])) add({ kind: 'file', path: canonicalImagePath(source), source });
  }
  return importOnce({ docker, entries, repo: POSTGRES_BASE_REPO });
}
