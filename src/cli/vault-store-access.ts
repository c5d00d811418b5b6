import { homedir } from 'node:os';
import { join } from 'node:path';
import { resolvePaths } from '../config/paths.js';
import { withDataDirLock } from '../vault/store/data-dir-lock.js';
import { resolveMasterKey } from '../vault/store/master-key.js';
import { openStore } from '../vault/store/store.js';
import type { VaultStore } from '../vault/store/types.js';
import type { CliContext } from './context.js';
import { projectSetting } from './vault-connection.js';

/** The vault's data directory: --data-dir, else NANOCLAW_VAULT_DIR (env, then .env), else the XDG default. */
export async function vaultDataDir(ctx: CliContext, flag?: string): Promise<string> {
  if (flag) return flag;
  const configured = await projectSetting(ctx, 'NANOCLAW_VAULT_DIR');
  if (configured) return configured;
  return resolvePaths({ cwd: ctx.cwd, env: ctx.env, home: ctx.env.HOME ?? homedir() }).vaultDir;
}

/**
 * Runs `fn` on the store opened directly (backup, restore, key rotation: the master key, not the
 * API), holding the data directory: refused while a vault (or another such command) runs on it,
 * since opening may migrate the schema and these commands change what a running vault holds.
 */
export async function withLocalStore<T>(ctx: CliContext, dataDir: string | undefined, fn: (open: { store: VaultStore; masterKey: Buffer }) => Promise<T> | T): Promise<T> {
  const dir = await vaultDataDir(ctx, dataDir);
  const setting = dataDir ? '--data-dir' : 'NANOCLAW_VAULT_DIR';
  return withDataDirLock({ dataDir: dir, command: `ncl ${process.argv.slice(2).join(' ')}`, setting }, async () => {
    const master = await resolveMasterKey({ env: ctx.env, dataDir: dir, logger: ctx.logger });
    const store = openStore({ path: join(dir, 'vault.db'), masterKey: master.key, redactor: ctx.logger.redactor });
    try {
      return await fn({ store, masterKey: master.key });
    } finally {
      store.close();
    }
  });
}
