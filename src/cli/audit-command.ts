import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { NanoclawError, UsageError } from '../common/errors.js';
import { AUDIT_DECISIONS, type AuditEntry, type AuditQuery } from '../vault/model/records.js';
import type { VaultClient } from '../client/vault-client.js';
import { auditToCsv, auditToTable } from './audit-format.js';
import { printJson, type CliContext } from './context.js';
import { connectVault } from './vault-connection.js';

interface FilterFlags {
  agent?: string;
  secret?: string;
  host?: string;
  since?: string;
  status?: string;
  decision?: AuditQuery['decision'];
}

function withFilters(cmd: Command): Command {
  return cmd
    .option('--agent <id>', 'agent id or identifier')
    .option('--secret <name>', 'secret name')
    .option('--host <host>', 'target host')
    .option('--since <iso-time>', 'only entries at or after this time, e.g. 2026-01-31T00:00:00Z')
    .option('--status <code>', 'HTTP status')
    .addOption(new Option('--decision <decision>').choices(AUDIT_DECISIONS));
}

function filters(o: FilterFlags): Partial<AuditQuery> {
  if (o.status !== undefined && !/^\d{3}$/.test(o.status)) throw new UsageError('--status must be a 3-digit HTTP status');
  if (o.since !== undefined && Number.isNaN(Date.parse(o.since))) throw new UsageError('--since must be an ISO time');
  return {
    ...(o.agent ? { agent: o.agent } : {}),
    ...(o.secret ? { secret: o.secret } : {}),
    ...(o.host ? { host: o.host } : {}),
    ...(o.since ? { since: new Date(o.since).toISOString() } : {}),
    ...(o.status ? { status: Number(o.status) } : {}),
    ...(o.decision ? { decision: o.decision } : {}),
  };
}

/** Every matching entry, page by page (the API caps a page at 1000). */
async function allEntries(client: VaultClient, query: Partial<AuditQuery>): Promise<AuditEntry[]> {
  const rows: AuditEntry[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await client.listAudit({ ...query, limit: 1000, offset });
    rows.push(...page.data);
    if (page.data.length < 1000 || rows.length >= page.total) return rows;
  }
}

/** `ncl audit list|export`: one row per gateway request, never a value. */
export function auditCommand(ctx: CliContext): Command {
  const cmd = new Command('audit').description('Read the gateway’s audit log');
  withFilters(cmd.command('list').description('Show recent gateway requests, newest first'))
    .option('--limit <n>', 'rows per page (max 1000)', '50')
    .option('--offset <n>', 'skip this many rows', '0')
    .option('--json', 'print JSON ({data, total, limit, offset})')
    .action(async (o: FilterFlags & { limit: string; offset: string; json?: boolean }) => {
      const limit = Number(o.limit);
      const offset = Number(o.offset);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be 1..1000');
      if (!Number.isInteger(offset) || offset < 0) throw new UsageError('--offset must be 0 or more');
      const page = await (await connectVault(ctx)).listAudit({ ...filters(o), limit, offset });
      if (o.json) return printJson(ctx, page);
      ctx.stdout.write(auditToTable(page.data));
      ctx.stdout.write(`(${page.data.length} of ${page.total})\n`);
    });
  withFilters(cmd.command('export').description('Export every matching entry as CSV or JSON'))
    .addOption(new Option('--format <format>').choices(['csv', 'json']).default('csv'))
    .option('--output <file>', 'write to a file instead of standard output')
    .action(async (o: FilterFlags & { format: 'csv' | 'json'; output?: string }) => {
      const rows = await allEntries(await connectVault(ctx), filters(o));
      const body = o.format === 'csv' ? auditToCsv(rows) : JSON.stringify({ data: rows }, null, 2) + '\n';
      if (o.output) await writeFile(o.output, body, { mode: 0o600 });
      else ctx.stdout.write(body);
    });
  cmd
    .command('verify')
    .description('Check the audit log’s hash chain; prints the head to keep, or the first row changed, removed or inserted (exit 1)')
    .action(async () => {
      const report = await (await connectVault(ctx)).verifyAudit();
      printJson(ctx, report);
      if (report.firstBad) {
        const { id, problem, after } = report.firstBad;
        const where = problem === 'removed' ? `rows before row ${id}${after !== null ? ` (after row ${after})` : ''} were removed` : `row ${id} was ${problem}`;
        throw new NanoclawError('audit_tampered', `The audit log was edited outside the vault: ${where}`, {
          hint: 'Rows up to the last intact one can be trusted; restore the log from a backup (ncl vault restore) to recover the rest',
        });
      }
    });
  return cmd;
}
