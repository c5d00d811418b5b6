import { Command, Option } from 'commander';
import { UsageError } from '../common/errors.js';
import { EgressPolicySchema, type EgressPolicy } from '../vault/model/records.js';
import { printJson, type CliContext } from './context.js';
import { connectVault } from './vault-connection.js';

/** Splits `--secret-ids a,b` ; an empty string clears the list. */
export function parseIdList(raw: string): string[] {
  const ids = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (new Set(ids).size !== ids.length) throw new UsageError('--secret-ids lists an id twice');
  return ids;
}

/** `ncl agents …` with OneCLI's words. Tokens are printed only by create and regenerate-token. */
export function agentsCommand(ctx: CliContext): Command {
  const cmd = new Command('agents').description('Manage agents (one per agent group) and their grants');
  cmd.command('list').description('List agents').action(async () => printJson(ctx, await (await connectVault(ctx)).listAgents()));
  cmd
    .command('get')
    .description('Show one agent')
    .requiredOption('--id <id>', 'agent id or identifier')
    .action(async (o: { id: string }) => printJson(ctx, await (await connectVault(ctx)).getAgent(o.id)));
  cmd
    .command('create')
    .description('Create an agent; prints its gateway token once')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--identifier <identifier>', 'stable identifier, e.g. the agent group id')
    .addOption(new Option('--secret-mode <mode>', 'which secrets it may use').choices(['all', 'selective']))
    .action(async (o: { name: string; identifier: string; secretMode?: 'all' | 'selective' }) =>
      printJson(ctx, await (await connectVault(ctx)).createAgent(o)),
    );
  cmd
    .command('update')
    .description('Change an agent’s name, egress mode or allowlist')
    .requiredOption('--id <id>', 'agent id or identifier')
    .option('--name <name>', 'new display name')
    .addOption(
      new Option('--egress <mode>', 'tunnel: any host; allowlist: only listed hosts (and its secrets’); ask: those, and a person allows or denies each new host').choices(
        EgressPolicySchema.options,
      ),
    )
    .option('--allow-hosts <patterns>', 'comma-separated host patterns (replaces the list; "" clears it)')
    .action(async (o: { id: string; name?: string; egress?: EgressPolicy; allowHosts?: string }) => {
      const patch = {
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.egress !== undefined ? { egressPolicy: o.egress } : {}),
        ...(o.allowHosts !== undefined ? { allowHosts: o.allowHosts.split(',').map((h) => h.trim()).filter(Boolean) } : {}),
      };
      if (Object.keys(patch).length === 0) throw new UsageError('Nothing to update: give --name, --egress or --allow-hosts');
      printJson(ctx, await (await connectVault(ctx)).updateAgent(o.id, patch));
    });
  cmd
    .command('delete')
    .description('Delete an agent')
    .requiredOption('--id <id>', 'agent id or identifier')
    .action(async (o: { id: string }) => printJson(ctx, await (await connectVault(ctx)).deleteAgent(o.id)));
  cmd
    .command('secrets')
    .description('List the secret ids granted to an agent')
    .requiredOption('--id <id>', 'agent id or identifier')
    .action(async (o: { id: string }) => printJson(ctx, await (await connectVault(ctx)).getAgentSecrets(o.id)));
  cmd
    .command('set-secrets')
    .description('Replace the agent’s granted secret ids (merge with `agents secrets` first to add)')
    .requiredOption('--id <id>', 'agent id or identifier')
    .requiredOption('--secret-ids <ids>', 'comma-separated secret ids; "" clears')
    .action(async (o: { id: string; secretIds: string }) =>
      printJson(ctx, await (await connectVault(ctx)).setAgentSecrets(o.id, parseIdList(o.secretIds))),
    );
  cmd
    .command('grant')
    .description('Add secrets to the agent’s grants, keeping the ones it has')
    .requiredOption('--id <id>', 'agent id or identifier')
    .requiredOption('--secret-ids <ids>', 'comma-separated secret ids to add')
    .action(async (o: { id: string; secretIds: string }) => {
      const { after } = await (await connectVault(ctx)).grantAgentSecrets(o.id, parseIdList(o.secretIds));
      printJson(ctx, { data: after });
    });
  cmd
    .command('set-secret-mode')
    .description('all: every secret in the vault; selective: only granted ones')
    .requiredOption('--id <id>', 'agent id or identifier')
    .addOption(new Option('--mode <mode>').choices(['all', 'selective']).makeOptionMandatory())
    .action(async (o: { id: string; mode: 'all' | 'selective' }) =>
      printJson(ctx, await (await connectVault(ctx)).setSecretMode(o.id, o.mode)),
    );
  cmd
    .command('regenerate-token')
    .description('Issue a new gateway token (the old one stops working); prints it once')
    .requiredOption('--id <id>', 'agent id or identifier')
    .action(async (o: { id: string }) => printJson(ctx, await (await connectVault(ctx)).regenerateAgentToken(o.id)));
  return cmd;
}
