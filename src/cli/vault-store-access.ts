import { homedir } from 'node:os';
import { join } from 'node:path';
import { resolvePaths } from '../config/paths.js';
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

/** Opens the store directly (backup, restore, key rotation): needs the master key, not the API. */
export async function openLocalStore(ctx: CliContext, dataDir?: string): Promise<{ store: VaultStore; masterKey: Buffer }> {
  const dir = await vaultDataDir(ctx, dataDir);
  const master = await resolveMasterKey({ env: ctx.env, dataDir: dir, logger: ctx.logger });
  const store = openStore({ path: join(dir, 'vault.db'), masterKey: master.key, redactor: ctx.logger.redactor });
  return { store, masterKey: master.key };
}
