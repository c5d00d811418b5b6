import type { Command } from 'commander';
import { UsageError } from '../common/errors.js';
import { SettingsSchema } from '../config/settings-schema.js';
import { redactUrl } from '../vault/store/pg-bridge.js';
import { printJson, printLine, type CliContext } from './context.js';
import { connectVault } from './vault-connection.js';
import { dockerVaultStatus, vaultDown } from './vault-down.js';
import { vaultUp } from './vault-up.js';

/** --database-url, checked like the setting; its password joins the redactor before anything can print it. */
function databaseUrlFlag(ctx: CliContext, raw: string): string {
  ctx.logger.redactor.add(raw);
  const parsed = SettingsSchema.shape.databaseUrl.safeParse(raw);
  if (!parsed.success || !parsed.data) throw new UsageError(`--database-url must be a postgres:// URL (got ${redactUrl(raw)})`);
  return parsed.data;
}

/** `ncl vault up|down|status` on `cmd` (the `vault` command): the vault in its Docker container. */
export function addVaultContainerCommands(cmd: Command, ctx: CliContext): void {
  cmd
    .command('up')
    .description('Run the vault in its Docker container (builds the image when missing); a no-op when it is already up')
    .option('--build', 'rebuild the vault image first')
    .option('--no-build', 'never build; fail when the image is missing')
    .option('--base-image <image>', 'base image for a build (a local image with Node 24 when offline)')
    .option('--build-image <image>', 'image the native TLS addon is compiled in (Node 24 with headers, g++, make, python3)')
    .option('--database-url <url>', 'keep the store in Postgres: postgres://USER:PASSWORD@HOST:5432/DATABASE, reachable from the container (default NANOCLAW_DATABASE_URL)')
    .option('--rotate-api-key', 'make a new API key, write it to .env and recreate the container')
    .option('--timeout <seconds>', 'how long to wait for the vault to become healthy', '60')
    .option('--json', 'print a JSON summary on stdout (progress goes to stderr)')
    .action(async (o: { build?: boolean; baseImage?: string; buildImage?: string; databaseUrl?: string; rotateApiKey?: boolean; timeout: string; json?: boolean }) => {
      const seconds = Number(o.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout must be a number of seconds (got "${o.timeout}")`);
      const out = o.json ? ctx.stderr : ctx.stdout;
      const result = await vaultUp(ctx, {
        ...(o.build === undefined ? {} : { build: o.build }),
        ...(o.baseImage ? { baseImage: o.baseImage } : {}),
        ...(o.buildImage ? { buildImage: o.buildImage } : {}),
        ...(o.databaseUrl ? { databaseUrl: databaseUrlFlag(ctx, o.databaseUrl) } : {}),
        rotateApiKey: o.rotateApiKey === true,
        timeoutMs: seconds * 1000,
        progress: (line) => out.write(line + '\n'),
      });
      if (o.json) printJson(ctx, result);
      else printLine(ctx, `Vault is up at ${result.url} (container ${result.container}, ${result.action}${result.database ? `, store ${result.database}` : ''})`);
    });
  cmd
    .command('down')
    .description('Stop and remove the vault container (its data volume and networks stay unless --purge)')
    .option('--purge', 'also remove the data volume (every secret in it) and the networks nanoclaw created')
    .option('--json', 'print a JSON summary')
    .action(async (o: { purge?: boolean; json?: boolean }) => {
      const result = await vaultDown(ctx, { purge: o.purge === true });
      if (o.json) printJson(ctx, result);
      else printLine(ctx, result.removed ? `Removed the vault container ${result.container}` : `No vault container ${result.container}`);
    });
  cmd
    .command('status')
    .description('Check that the vault answers, and count what it holds (and its container, when it runs in Docker)')
    .action(async () => {
      const state = await dockerVaultStatus(ctx);
      const container = state && {
        name: state.name,
        id: state.id.slice(0, 12),
        state: state.state,
        health: state.health,
        managed: state.managed,
        startedAt: state.startedAt,
      };
      const client = await connectVault(ctx);
      let health;
      try {
        health = await client.health();
      } catch (err) {
        if (container) printJson(ctx, { url: client.url, reachable: false, container });
        throw err;
      }
      const [secrets, agents] = await Promise.all([client.listSecrets(), client.listAgents()]);
      printJson(ctx, { url: client.url, ...health, secrets: secrets.data.length, agents: agents.data.length, ...(container ? { container } : {}) });
    });
}
