import { join } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../common/atomic-write.js';
import { NanoclawError, UsageError } from '../common/errors.js';
import { setEnvValue } from '../config/env-file.js';
import { updateEnvFile } from '../config/env-file-io.js';
import { SETTING_VARIABLES, SettingsSchema } from '../config/settings-schema.js';
import { crashHookFromEnv } from '../migrate/crash-hook.js';
import { moveStore } from '../migrate/store-move.js';
import { redactUrl } from '../vault/store/pg-bridge.js';
import { openStore } from '../vault/store/store.js';
import { printJson, printLine, type CliContext } from './context.js';
import { requireExistingVault, withLocalStore } from './vault-store-access.js';

interface MigrateFlags {
  to: string;
  dataDir?: string;
  backup?: string;
  writeEnv?: boolean;
  json?: boolean;
}

const VARIABLE = SETTING_VARIABLES.databaseUrl;

/** The target URL, checked like the setting it becomes; its password joins the redactor at once. */
function targetUrl(ctx: CliContext, raw: string): string {
  const parsed = SettingsSchema.shape.databaseUrl.safeParse(raw);
  if (!parsed.success || !parsed.data) {
    throw new UsageError(`--to must be a postgres:// URL, e.g. postgres://nanoclaw:PASSWORD@db:5432/nanoclaw (got ${redactUrl(raw)})`);
  }
  const password = URL.canParse(raw) ? decodeURIComponent(new URL(raw).password) : '';
  if (password) ctx.logger.redactor.add(password);
  ctx.logger.redactor.add(raw);
  return parsed.data;
}

// A wrong key on the target means the database already belongs to another vault.
function onTarget(shown: string, err: unknown): never {
  if (err instanceof NanoclawError && err.code === 'wrong_master_key') {
    throw new NanoclawError('wrong_master_key', `${shown} holds a vault made with another master key than this one`, {
      hint: 'Nothing was written to it. Give an empty database, or run with the master key of the vault you are moving (NANOCLAW_VAULT_KEY_FILE)',
    });
  }
  throw err;
}

/** Runs the store move of the data directory's SQLite vault to `--to`, and says how to switch to it. */
export async function migrateStore(ctx: CliContext, o: MigrateFlags): Promise<void> {
  const url = targetUrl(ctx, o.to);
  const shown = redactUrl(url);
  const progress = (line: string) => ctx.stderr.write(line + '\n');
  await requireExistingVault(ctx, o.dataDir);
  const checkpoint = crashHookFromEnv({ env: ctx.env, log: progress });
  const result = await withLocalStore(
    ctx,
    o.dataDir,
    async ({ store, masterKey, dataDir }) => {
      const backup = o.backup ?? join(dataDir, `before-postgres-${new Date().toISOString().replace(/[:.]/g, '-')}.backup.json`);
      progress(`Backing up ${store.path} to ${backup}`);
      const moved = await moveStore({
        source: store,
        masterKey,
        targetName: shown,
        openTarget: () => {
          try {
            return openStore({ path: shown, databaseUrl: url, masterKey, redactor: ctx.logger.redactor });
          } catch (err) {
            onTarget(shown, err);
          }
        },
        writeBackup: (doc) => writeFileAtomic(backup, JSON.stringify(doc, null, 1), { mode: 0o600 }),
        progress,
        ...(checkpoint ? { checkpoint } : {}),
      });
      return { from: store.path, backup, ...moved };
    },
    { sqlite: true },
  );
  const envFile = o.writeEnv ? join(ctx.cwd, '.env') : null;
  if (envFile) await updateEnvFile(envFile, (doc) => setEnvValue(doc, VARIABLE, url));
  const then = 'restart the vault (ncl vault serve, or ncl vault up --database-url URL); the SQLite file stays as it was';
  const next = { variable: VARIABLE, value: shown, writtenTo: envFile, then };
  if (o.json) {
    printJson(ctx, { ...result, to: shown, verified: true, next });
    return;
  }
  printLine(ctx, `Moved and verified ${result.counts.secrets} secrets, ${result.counts.agents} agents and ${result.counts.audit} audit rows to ${shown}`);
  printLine(ctx, `Backup of the SQLite vault: ${result.backup}`);
  printLine(ctx, envFile ? `Wrote ${VARIABLE} to ${envFile}; now ${then}` : `To switch: set ${VARIABLE}=${shown} (your password in place of ***) in .env or the environment, then ${then}`);
}

/** `ncl vault migrate-store --to postgres://…`. */
export function addVaultMigrateStoreCommand(cmd: Command, ctx: CliContext): void {
  cmd
    .command('migrate-store')
    .description('Copy this vault (SQLite) into Postgres, verified, after a backup; safe to run again after a crash')
    .requiredOption('--to <url>', 'the Postgres database: postgres://USER:PASSWORD@HOST:5432/DATABASE (empty, or holding an earlier copy of this vault)')
    .option('--data-dir <dir>', 'vault data directory (default: NANOCLAW_VAULT_DIR or ~/.local/share/nanoclaw/vault)')
    .option('--backup <file>', 'where the backup goes (default: before-postgres-DATE.backup.json in the data directory)')
    .option('--write-env', `write ${VARIABLE} to the project's .env once the copy is verified (the switch)`)
    .option('--json', 'print a JSON summary on stdout (progress goes to stderr)')
    .addHelpText('after', `\nThe SQLite vault is only read. After the copy is verified, set ${VARIABLE} (or pass --write-env) and restart the vault.`)
    .action((o: MigrateFlags) => migrateStore(ctx, o));
}
