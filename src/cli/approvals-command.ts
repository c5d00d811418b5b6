import { Command, Option } from 'commander';
import { UsageError } from '../common/errors.js';
import { APPROVAL_STATUSES, type Decision } from '../vault/api/approval-schemas.js';
import { alertsTable, approvalDetail, approvalsTable, grantsTable, requestLine } from './approvals-format.js';
import { printJson, printLine, type CliContext } from './context.js';
import { listCommand, removeCommand } from './listing-commands.js';
import { connectVault } from './vault-connection.js';

interface DecideFlags {
  reason?: string;
  always?: boolean;
  grantMinutes?: string;
  grantPathPrefix?: string;
  json?: boolean;
}

function positiveInt(value: string, flag: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}`);
  return n;
}

/** The Decision body from the flags of approve/reject. */
export function decisionFromFlags(decision: Decision['decision'], o: DecideFlags): Decision {
  if (decision === 'deny' && (o.grantMinutes !== undefined || o.grantPathPrefix !== undefined)) {
    throw new UsageError('--grant-minutes and --grant-path-prefix go with approve, not reject');
  }
  if (o.grantPathPrefix !== undefined && o.grantMinutes === undefined) throw new UsageError('--grant-path-prefix needs --grant-minutes');
  if (o.grantPathPrefix !== undefined && !o.grantPathPrefix.startsWith('/')) throw new UsageError('--grant-path-prefix must start with /');
  if (o.always && decision === 'deny') throw new UsageError('--always goes with approve, not reject');
  return {
    decision,
    ...(o.always ? { always: true } : {}),
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
    ...(o.grantMinutes !== undefined ? { grantMinutes: positiveInt(o.grantMinutes, '--grant-minutes', 24 * 60) } : {}),
    ...(o.grantPathPrefix !== undefined ? { grantPathPrefix: o.grantPathPrefix } : {}),
  };
}

function decideCommand(ctx: CliContext, name: 'approve' | 'reject'): Command {
  const cmd = new Command(name)
    .description(name === 'approve' ? 'Let a held request through (it is then sent with its credential)' : 'Refuse a held request (the agent gets 403)')
    .argument('<id>', 'approval id (see: ncl approvals list --status pending)')
    .option('--reason <text>', 'why; recorded with the approval')
    .option('--json', 'print JSON ({data, grant})');
  if (name === 'approve') {
    cmd
      .option('--grant-minutes <n>', 'also let later requests of this agent, secret, method and path through for N minutes')
      .option('--grant-path-prefix <path>', 'the path prefix the grant covers (default: this request’s path)')
      .option('--always', 'a new host (egress mode ask): add it to the agent’s allowlist, so it is not asked about again');
  }
  return cmd.action(async (id: string, o: DecideFlags) => {
    const body = decisionFromFlags(name === 'approve' ? 'approve' : 'deny', o);
    const result = await (await connectVault(ctx)).decideApproval(id, body, 'cli');
    if (o.json) return printJson(ctx, result);
    printLine(ctx, `${result.data.status === 'approved' ? 'Approved' : 'Rejected'} ${result.data.id}: ${requestLine(result.data)} from ${result.data.agentIdentifier}`);
    if (result.grant) {
      const g = result.grant;
      printLine(ctx, `Grant ${g.id}: ${g.method} ${g.host}${g.pathPrefix}* until ${g.expiresAt} (revoke with: ncl approvals revoke-grant ${g.id})`);
    }
  });
}

/** `ncl approvals list|get|approve|reject|grants|alerts|revoke-grant`: decide held requests from a headless host. */
export function approvalsCommand(ctx: CliContext): Command {
  const cmd = new Command('approvals').description('See and decide requests the gateway holds for approval');
  cmd
    .command('list')
    .description('List approvals, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices(APPROVAL_STATUSES))
    .option('--limit <n>', 'at most this many (max 1000)', '50')
    .option('--json', 'print JSON ({data})')
    .action(async (o: { status?: (typeof APPROVAL_STATUSES)[number]; limit: string; json?: boolean }) => {
      const limit = positiveInt(o.limit, '--limit', 1000);
      const list = await (await connectVault(ctx)).listApprovals({ ...(o.status ? { status: o.status } : {}), limit });
      if (o.json) return printJson(ctx, list);
      ctx.stdout.write(list.data.length > 0 ? approvalsTable(list.data) : `No approvals${o.status ? ` with status ${o.status}` : ''}.\n`);
    });
  cmd
    .command('get')
    .description('Show one approval: the request, its headers and body preview')
    .argument('<id>', 'approval id')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const approval = await (await connectVault(ctx)).getApproval(id);
      if (o.json) return printJson(ctx, approval);
      ctx.stdout.write(approvalDetail(approval));
    });
  cmd.addCommand(decideCommand(ctx, 'approve'));
  cmd.addCommand(decideCommand(ctx, 'reject'));
  cmd.addCommand(
    listCommand(ctx, { description: 'List live "approve for N minutes" grants', fetch: (client) => client.listApprovalGrants(), table: grantsTable, empty: 'No live grants.' }).name('grants'),
  );
  cmd.addCommand(
    listCommand(ctx, {
      description: 'List alerts the vault raised since it started: requests refused because they would have used a honeytoken',
      fetch: (client) => client.listAlerts(),
      table: alertsTable,
      empty: 'No alerts.',
    }).name('alerts'),
  );
  cmd.addCommand(
    removeCommand(ctx, {
      name: 'revoke-grant',
      description: 'End a grant now; later requests are held again',
      idHelp: 'grant id (see: ncl approvals grants)',
      remove: (client, id) => client.revokeApprovalGrant(id),
      done: 'Revoked grant',
    }),
  );
  return cmd;
}
