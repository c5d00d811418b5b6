import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { requireDocker } from './docker-engine.js';
import { collectBaseImageInputs } from './base-image-inputs.js';
import { importRootfs } from './base-image-build.js';
import { BASE_IMAGE_REPO, BASE_RECIPE_VERSION, hashRootfs, planRootfs } from './base-image-plan.js';
import { withFileLock } from './file-lock.js';
import { BASE_LABEL } from './test-labels.js';

export interface EnsureBaseImageOptions {
  docker?: Docker;
}

function fileIdentity(source: string): string {
  const s = statSync(source); // follows symlinks: a library upgrade changes the target's identity
  return `${source}:${s.size}:${Math.trunc(s.mtimeMs)}`;
}

async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  return docker.getImage(ref).inspect().then(() => true, () => false);
}

/**
 * Drops base images of older recipes; one still in use is kept, silently. Only older recipes:
 * checkouts of other branches on the same machine build their own recipe and must keep it.
 */
async function pruneStale(docker: Docker, keep: string): Promise<void> {
  const images = await docker.listImages({ filters: { reference: [BASE_IMAGE_REPO] } });
  const older = images.filter((i) => Number(i.Labels?.[`${BASE_LABEL}.recipe`] ?? NaN) < BASE_RECIPE_VERSION);
  const stale = older.flatMap((i) => i.RepoTags ?? []).filter((t) => t !== keep);
  await Promise.allSettled(stale.map((t) => docker.getImage(t).remove()));
}

/**
 * Returns the tag of a local image built from host binaries (Node at process.execPath,
 * curl, busybox, openssl, their libraries, a `node` user with uid 1000), without any
 * registry. Built once per machine and input hash; safe when several processes call it at once.
 */
export async function ensureBaseImage(options: EnsureBaseImageOptions = {}): Promise<string> {
  const docker = options.docker ?? (await requireDocker());
  const entries = planRootfs(await collectBaseImageInputs());
  const hash = hashRootfs(entries, fileIdentity);
  const ref = `${BASE_IMAGE_REPO}:${hash}`;
  if (await imageExists(docker, ref)) return ref;
  await withFileLock(join(tmpdir(), `${BASE_IMAGE_REPO}-${hash}.lock`), async () => {
    if (await imageExists(docker, ref)) return; // another process built it while we waited
    await importRootfs({
      docker,
      entries,
      repo: BASE_IMAGE_REPO,
      tag: hash,
      changes: [
        'ENV PATH=/usr/local/bin:/usr/bin:/bin',
        `LABEL ${BASE_LABEL}=1`,
        `LABEL ${BASE_LABEL}.hash=${hash}`,
        `LABEL ${BASE_LABEL}.recipe=${BASE_RECIPE_VERSION}`,
        'CMD ["/bin/sh"]',
      ],
    });
    await pruneStale(docker, ref);
  });
  return ref;
}
