import { Command, Option } from 'commander';
import { APPROVER_CHANNELS, APPROVER_ROLES } from '../vault/approvals/approval-model.js';
import type { Approver } from '../vault/api/schemas.js';
import { printJson, printLine, type CliContext } from './context.js';
import { formatTable } from './table-format.js';
import { connectVault } from './vault-connection.js';

interface AddFlags {
  name: string;
  role: Approver['role'];
  channel: Approver['channel'];
  address?: string;
  agent?: string;
  json?: boolean;
}

function approversTable(rows: Approver[]): string {
  const cells = rows.map((a) => [a.id, a.name, a.role, a.channel, a.address || '-', a.agentIds.join(',') || '-']);
  return formatTable(['ID', 'NAME', 'ROLE', 'CHANNEL', 'ADDRESS', 'AGENTS'], cells);
}

/** `ncl approvers list|add|remove`: who gets the approval card (group admins, global admins, owners). */
export function approversCommand(ctx: CliContext): Command {
  const cmd = new Command('approvers').description('Manage who is asked to approve held requests');
  cmd
    .command('list')
    .description('List approvers')
    .option('--json', 'print JSON ({data})')
    .action(async (o: { json?: boolean }) => {
      const list = await (await connectVault(ctx)).listApprovers();
      if (o.json) return printJson(ctx, list);
      ctx.stdout.write(list.data.length > 0 ? approversTable(list.data) : 'No approvers: cards go to unnamed host clients and the dashboard.\n');
    });
  cmd
    .command('add')
    .description('Add an approver')
    .requiredOption('--name <name>', 'who this is')
    .addOption(new Option('--role <role>', 'asked in this order: group_admin, global_admin, owner').choices(APPROVER_ROLES).makeOptionMandatory())
    .addOption(new Option('--channel <channel>', 'where the card goes').choices(APPROVER_CHANNELS).makeOptionMandatory())
    .option('--address <address>', 'telegram: the chat id; host: the client name (x-nanoclaw-client)')
    .option('--agent <agents>', 'group_admin: the agents (identifiers or ids), comma-separated')
    .option('--json', 'print JSON')
    .action(async (o: AddFlags) => {
      const agentIds = (o.agent ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const approver = await (await connectVault(ctx)).createApprover({
        name: o.name,
        role: o.role,
        channel: o.channel,
        agentIds,
        ...(o.address !== undefined ? { address: o.address } : {}),
      });
      if (o.json) return printJson(ctx, approver);
      printLine(ctx, `Added approver ${approver.id}: ${approver.name} (${approver.role}, ${approver.channel})`);
    });
  cmd
    .command('remove')
    .description('Remove an approver')
    .argument('<id>', 'approver id (see: ncl approvers list)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const result = await (await connectVault(ctx)).deleteApprover(id);
      if (o.json) return printJson(ctx, result);
      printLine(ctx, `Removed approver ${result.id}`);
    });
  return cmd;
}
