import { Command } from 'commander';
import type { VaultClient } from '../client/vault-client.js';
import { printJson, printLine, type CliContext } from './context.js';
import { connectVault } from './vault-connection.js';

/** A `list` subcommand: a table for people, `{data}` with --json, a sentence when there is nothing. */
export function listCommand<T>(
  ctx: CliContext,
  o: { description: string; fetch: (client: VaultClient) => Promise<{ data: T[] }>; table: (rows: T[]) => string; empty: string },
): Command {
  return new Command('list')
    .description(o.description)
    .option('--json', 'print JSON ({data})')
    .action(async (flags: { json?: boolean }) => {
      const list = await o.fetch(await connectVault(ctx));
      if (flags.json) return printJson(ctx, list);
      ctx.stdout.write(list.data.length > 0 ? o.table(list.data) : `${o.empty}\n`);
    });
}

/** A subcommand that removes one thing by id and says so (`{id}` with --json). */
export function removeCommand(
  ctx: CliContext,
  o: { name: string; description: string; idHelp: string; remove: (client: VaultClient, id: string) => Promise<{ id: string }>; done: string },
): Command {
  return new Command(o.name)
    .description(o.description)
    .argument('<id>', o.idHelp)
    .option('--json', 'print JSON')
    .action(async (id: string, flags: { json?: boolean }) => {
      const result = await o.remove(await connectVault(ctx), id);
      if (flags.json) return printJson(ctx, result);
      printLine(ctx, `${o.done} ${result.id}`);
    });
}
