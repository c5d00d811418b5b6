import { Command, Option } from 'commander';
import { UsageError } from '../common/errors.js';
import { explainRule } from '../vault/inject/policy.js';
import { POLICY_ACTIONS, RATE_WINDOWS } from '../vault/model/policy-rule.js';
import type { CreateRuleBody, PolicyRule } from '../vault/api/approval-schemas.js';
import { printJson, printLine, type CliContext } from './context.js';
import { listCommand, removeCommand } from './listing-commands.js';
import { formatTable } from './table-format.js';
import { connectVault } from './vault-connection.js';

interface CreateFlags {
  action: PolicyRule['action'];
  hostPattern: string;
  pathPattern?: string;
  method?: string;
  agent?: string;
  secret?: string;
  limit?: string;
  window?: PolicyRule['window'];
  json?: boolean;
}

/** The rule body from the create flags; the vault checks the rest (patterns, rate limits). */
export function ruleFromFlags(o: CreateFlags): CreateRuleBody {
  const limit = o.limit === undefined ? undefined : Number(o.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError('--limit must be a whole number of requests, 1 or more');
  if (o.action === 'rate_limit' && (limit === undefined || o.window === undefined)) throw new UsageError('a rate_limit rule needs --limit and --window');
  return {
    action: o.action,
    hostPattern: o.hostPattern,
    ...(o.pathPattern ? { pathPattern: o.pathPattern } : {}),
    ...(o.method ? { method: o.method } : {}),
    ...(o.agent ? { agentId: o.agent } : {}),
    ...(o.secret ? { secretId: o.secret } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(o.window ? { window: o.window } : {}),
  };
}

function rulesTable(rules: PolicyRule[]): string {
  const cells = rules.map((r) => [r.id, r.action, `${r.method ?? '*'} ${r.hostPattern}${r.pathPattern ?? ''}`, explainRule(r)]);
  return formatTable(['ID', 'ACTION', 'MATCHES', 'MEANING'], cells, 100);
}

/** `ncl rules list|create|delete`: policy rules the gateway applies (block, rate_limit, manual_approval). */
export function rulesCommand(ctx: CliContext): Command {
  const cmd = new Command('rules').description('Manage the gateway’s policy rules (block, rate limit, hold for approval)');
  cmd.addCommand(
    listCommand(ctx, { description: 'List policy rules in the order they were made', fetch: (client) => client.listRules(), table: rulesTable, empty: 'No policy rules.' }),
  );
  cmd
    .command('create')
    .description('Add a rule')
    .addOption(new Option('--action <action>', 'what the rule does').choices(POLICY_ACTIONS).makeOptionMandatory())
    .requiredOption('--host-pattern <pattern>', 'api.example.com, *.example.com (subdomains) or .example.com (the apex too)')
    .option('--path-pattern <pattern>', 'only these paths, e.g. /v1/*')
    .option('--method <method>', 'only this HTTP method, e.g. POST')
    .option('--agent <agent>', 'only this agent (identifier or id)')
    .option('--secret <secret>', 'only requests using this secret (name or id)')
    .option('--limit <n>', 'rate_limit: requests allowed per window')
    .addOption(new Option('--window <window>', 'rate_limit: the window').choices(Object.keys(RATE_WINDOWS)))
    .option('--json', 'print JSON')
    .action(async (o: CreateFlags) => {
      const rule = await (await connectVault(ctx)).createRule(ruleFromFlags(o));
      if (o.json) return printJson(ctx, rule);
      printLine(ctx, `Created rule ${rule.id}: ${explainRule(rule)}`);
    });
  cmd.addCommand(
    removeCommand(ctx, {
      name: 'delete',
      description: 'Delete a rule',
      idHelp: 'rule id (see: ncl rules list)',
      remove: (client, id) => client.deleteRule(id),
      done: 'Deleted rule',
    }),
  );
  return cmd;
}
