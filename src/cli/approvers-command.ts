import { Command, Option } from 'commander';
import { APPROVER_CHANNELS, APPROVER_ROLES } from '../vault/model/approvals.js';
import type { Approver } from '../vault/api/approval-schemas.js';
import { printJson, printLine, type CliContext } from './context.js';
import { listCommand, removeCommand } from './listing-commands.js';
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
  cmd.addCommand(
    listCommand(ctx, {
      description: 'List approvers',
      fetch: (client) => client.listApprovers(),
      table: approversTable,
      empty: 'No approvers: cards go to unnamed host clients and the dashboard.',
    }),
  );
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
  cmd.addCommand(
    removeCommand(ctx, {
      name: 'remove',
      description: 'Remove an approver',
      idHelp: 'approver id (see: ncl approvers list)',
      remove: (client, id) => client.deleteApprover(id),
      done: 'Removed approver',
    }),
  );
  return cmd;
}
