import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { Command } from 'commander';
import { writeFileAtomic } from '../common/atomic-write.js';
import { NanoclawError, UsageError } from '../common/errors.js';
import { setEnvValue } from '../config/env-file.js';
import { updateEnvFile } from '../config/env-file-io.js';
import { rotateApiKey } from '../vault/api/api-key.js';
import { exportBackup, restoreBackup, type BackupKey } from '../vault/store/backup.js';
import { printJson, type CliContext } from './context.js';
import { addVaultContainerCommands } from './vault-container-commands.js';
import { addVaultMigrateStoreCommand } from './vault-migrate-store.js';
import { addVaultRelayCommand } from './vault-relay-command.js';
import { serveVault } from './vault-serve.js';
import { requireExistingVault, withLocalStore } from './vault-store-access.js';

interface KeyFlags {
  passphraseStdin?: boolean;
  masterKey?: boolean;
  dataDir?: string;
}

/** The backup key: the master key, a passphrase from stdin or NANOCLAW_BACKUP_PASSPHRASE, or a prompt. */
async function backupKey(ctx: CliContext, flags: KeyFlags, confirm: boolean): Promise<BackupKey | 'master'> {
  if (flags.masterKey && flags.passphraseStdin) throw new UsageError('Use --master-key or --passphrase-stdin, not both');
  if (flags.masterKey) return 'master';
  let passphrase = flags.passphraseStdin ? (await text(ctx.stdin)).replace(/\r?\n$/, '') : ctx.env.NANOCLAW_BACKUP_PASSPHRASE;
  if (!passphrase) {
    if (!ctx.prompter.interactive) {
      throw new UsageError('No backup passphrase given', {
        hint: 'Pipe it with --passphrase-stdin, set NANOCLAW_BACKUP_PASSPHRASE, or use --master-key',
      });
    }
    passphrase = await ctx.prompter.secret('Backup passphrase: ');
    if (confirm && (await ctx.prompter.secret('Repeat the passphrase: ')) !== passphrase) {
      throw new UsageError('The passphrases differ');
    }
  }
  if (passphrase.length < 8) throw new UsageError('The backup passphrase must be at least 8 characters');
  ctx.logger.redactor.add(passphrase);
  return { passphrase };
}

const dataDirOption = ['--data-dir <dir>', 'vault data directory (default: NANOCLAW_VAULT_DIR or ~/.local/share/nanoclaw/vault)'] as const;

/** `ncl vault serve|up|down|status|relay|migrate-store|backup|restore|rotate-api-key`. */
export function vaultCommand(ctx: CliContext): Command {
  const cmd = new Command('vault').description('Run and look after the vault');
  cmd
    .command('serve')
    .description('Run the vault (API + gateway) in this process on the host')
    .option('--api-listen <host:port>', 'API address (default 127.0.0.1:10254)')
    .option('--gateway-listen <host:port>', 'gateway address (default 127.0.0.1:10255)')
    .option('--no-gateway', 'run the API only')
    .option(...dataDirOption)
    .action((o) => serveVault(ctx, o));
  addVaultContainerCommands(cmd, ctx);
  addVaultRelayCommand(cmd, ctx);
  addVaultMigrateStoreCommand(cmd, ctx);
  cmd
    .command('backup')
    .argument('<file>', 'where to write the encrypted backup')
    .description('Write an encrypted, portable backup of every secret, agent and grant')
    .option('--passphrase-stdin', 'read the backup passphrase from standard input')
    .option('--master-key', 'encrypt with the master key instead of a passphrase (restorable only with that key)')
    .option(...dataDirOption)
    .action(async (file: string, o: KeyFlags) => {
      await requireExistingVault(ctx, o.dataDir);
      const key = await backupKey(ctx, o, true);
      await withLocalStore(ctx, o.dataDir, async ({ store, masterKey }) => {
        const doc = exportBackup(store, key === 'master' ? { masterKey: masterKey } : key);
        await writeFileAtomic(file, JSON.stringify(doc, null, 1), { mode: 0o600 });
        printJson(ctx, { file, secrets: store.secrets.list().length, agents: store.agents.list().length });
      });
    });
  cmd
    .command('restore')
    .argument('<file>', 'a file written by `ncl vault backup`')
    .description('Replace the vault’s contents with a backup (stop `ncl vault serve` first)')
    .option('--passphrase-stdin', 'read the backup passphrase from standard input')
    .option('--master-key', 'the backup was made with --master-key')
    .option(...dataDirOption)
    .action(async (file: string, o: KeyFlags) => {
      const raw = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new NanoclawError('backup_unreadable', `Cannot read ${file} (${err.code ?? err.message})`, {
          hint: 'Give the path of a file written by: ncl vault backup FILE',
        });
      });
      let doc: unknown;
      try {
        doc = JSON.parse(raw);
      } catch {
        throw new NanoclawError('backup_invalid', `${file} is not a nanoclaw backup (not JSON)`);
      }
      const key = await backupKey(ctx, o, false);
      await withLocalStore(ctx, o.dataDir, ({ store, masterKey }) => {
        const summary = restoreBackup(store, doc, key === 'master' ? { masterKey: masterKey } : key);
        printJson(ctx, { file, ...summary });
      });
    });
  cmd
    .command('rotate-api-key')
    .description('Replace the vault API key and write the new one to .env as ONECLI_API_KEY')
    .option(...dataDirOption)
    .action(async (o: { dataDir?: string }) => {
      await requireExistingVault(ctx, o.dataDir);
      const key = await withLocalStore(ctx, o.dataDir, ({ store }) => rotateApiKey(store));
      ctx.logger.redactor.add(key);
      const envFile = join(ctx.cwd, '.env');
      await updateEnvFile(envFile, (doc) => setEnvValue(doc, 'ONECLI_API_KEY', key));
      printJson(ctx, { rotated: true, envFile, variable: 'ONECLI_API_KEY' });
    });
  return cmd;
}
