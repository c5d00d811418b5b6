import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { NanoclawError, errorMessage } from '../common/errors.js';
import { SettingsSchema } from '../config/settings-schema.js';
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
 * NANOCLAW_DATABASE_URL (env, then .env), or the file NANOCLAW_DATABASE_URL_FILE names (what
 * `ncl vault up` mounts into the vault container): the store in Postgres; undefined keeps the SQLite file.
 */
export async function storeDatabaseUrl(ctx: CliContext): Promise<string | undefined> {
  const file = ctx.env.NANOCLAW_DATABASE_URL_FILE?.trim();
  const raw = file ? await readUrlFile(file) : await projectSetting(ctx, 'NANOCLAW_DATABASE_URL');
  if (raw) ctx.logger.redactor.add(raw);
  const parsed = SettingsSchema.shape.databaseUrl.safeParse(raw || undefined);
  if (!parsed.success) {
    throw new NanoclawError('bad_settings', `NANOCLAW_DATABASE_URL: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
      hint: 'Set it to postgres://USER:PASSWORD@HOST:5432/DATABASE, or unset it to keep the vault in its data directory',
    });
  }
  return parsed.data;
}

async function readUrlFile(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    throw new NanoclawError('bad_settings', `Cannot read the database URL file ${file} (${errorMessage(err)})`, {
      hint: 'Run `ncl vault up` again on the host, or unset NANOCLAW_DATABASE_URL_FILE',
    });
  }
}

/**
 * Runs `fn` on the store opened directly (backup, restore, key rotation: the master key, not the
 * API), holding the data directory: refused while a vault (or another such command) runs on it,
 * since opening may migrate the schema and these commands change what a running vault holds.
 */
export async function withLocalStore<T>(
  ctx: CliContext,
  dataDir: string | undefined,
  fn: (open: { store: VaultStore; masterKey: Buffer; dataDir: string }) => Promise<T> | T,
  { sqlite = false }: { /** The SQLite file even when NANOCLAW_DATABASE_URL is set (the store move reads it). */ sqlite?: boolean } = {},
): Promise<T> {
  const dir = await vaultDataDir(ctx, dataDir);
  const setting = dataDir ? '--data-dir' : 'NANOCLAW_VAULT_DIR';
  return withDataDirLock({ dataDir: dir, command: `ncl ${process.argv.slice(2).join(' ')}`, setting }, async () => {
    const master = await resolveMasterKey({ env: ctx.env, dataDir: dir, logger: ctx.logger });
    const databaseUrl = sqlite ? undefined : await storeDatabaseUrl(ctx);
    const store = openStore({ path: join(dir, 'vault.db'), databaseUrl, masterKey: master.key, redactor: ctx.logger.redactor });
    try {
      return await fn({ store, masterKey: master.key, dataDir: dir });
    } finally {
      store.close();
    }
  });
}

/** Refuses a command that needs a vault when the data directory holds none. */
export async function requireExistingVault(ctx: CliContext, dataDir?: string): Promise<void> {
  const dir = await vaultDataDir(ctx, dataDir);
  if (!existsSync(join(dir, 'vault.db'))) {
    throw new NanoclawError('no_vault', `There is no vault in ${dir}`, {
      hint: 'Start one with: ncl vault serve (or pass --data-dir / set NANOCLAW_VAULT_DIR)',
    });
  }
}
