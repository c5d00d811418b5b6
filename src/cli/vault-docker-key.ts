import { homedir } from 'node:os';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { rm, writeFile, mkdir } from 'node:fs/promises';
import { NanoclawError, isNanoclawError } from '../common/errors.js';
import { resolvePaths } from '../config/paths.js';
import { resolveMasterKey } from '../vault/store/master-key.js';
import type { CliContext } from './context.js';

// Stands in for vault.db (which lives in the Docker volume, out of the host's sight) so that
// resolveMasterKey refuses to invent a new key for a volume that already holds a vault.
const VOLUME_MARKER = 'volume-in-use';

export interface DockerVaultKeyPaths {
  /** Host directory whose path names the keyring entry (and holds master.key where no keyring works). */
  keyDir: string;
  /** Private runtime dir for the file the container mounts. */
  runtimeDir: string;
}

/** Where the Docker vault's key lives on the host, per volume; never under the project dir. */
export function dockerVaultKeyPaths(ctx: CliContext, volume: string): DockerVaultKeyPaths {
  const home = ctx.env.HOME ?? homedir();
  const paths = resolvePaths({ cwd: ctx.cwd, env: { ...ctx.env, NANOCLAW_VAULT_DIR: undefined }, home });
  const keyDir = join(dirname(paths.vaultDir), 'docker', volume);
  for (const dir of [keyDir, paths.runtimeDir]) {
    const rel = relative(paths.projectDir, dir);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
      throw new NanoclawError('key_in_project', `The vault key would be kept in ${dir}, inside the project ${paths.projectDir}`, {
        hint: 'Run ncl from the project directory with HOME (and XDG_RUNTIME_DIR / XDG_DATA_HOME) outside it',
      });
    }
  }
  return { keyDir, runtimeDir: paths.runtimeDir };
}

/**
 * The master key of the Docker vault on volume `volume`, resolved on the host (OS keyring,
 * else a 0600 file in keyDir). A new key is made only for a volume that did not exist yet.
 */
export async function resolveDockerVaultKey(ctx: CliContext, input: { volume: string; volumeExisted: boolean; keyDir: string }): Promise<Buffer> {
  const marker = join(input.keyDir, VOLUME_MARKER);
  await mkdir(input.keyDir, { recursive: true, mode: 0o700 });
  if (input.volumeExisted) {
    await writeFile(marker, `The Docker volume ${input.volume} holds a vault; only its own master key opens it.\n`);
  } else {
    await rm(marker, { force: true });
  }
  try {
    const master = await resolveMasterKey({ env: ctx.env, dataDir: input.keyDir, logger: ctx.logger, dbFile: VOLUME_MARKER });
    return master.key;
  } catch (err) {
    if (isNanoclawError(err) && err.code === 'master_key_missing') {
      throw new NanoclawError('master_key_missing', `The Docker volume ${input.volume} holds a vault but its master key is not on this host (${err.message})`, {
        hint:
          'Unlock or start your keyring, or set NANOCLAW_VAULT_KEY_FILE to the key file; to start over without the old secrets: ' +
          'ncl vault down --purge, then ncl vault up',
        cause: err,
      });
    }
    throw err;
  }
}
