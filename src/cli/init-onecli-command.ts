import { join } from 'node:path';
import { Command } from 'commander';
import { NanoclawError, UsageError, errorMessage } from '../common/errors.js';
import type { VaultClient } from '../client/vault-client.js';
import { applyPlan, type ApplyResult } from '../migrate/apply.js';
import { crashHookFromEnv } from '../migrate/crash-hook.js';
import { clearJournal, journalPath, readJournal } from '../migrate/journal.js';
import { parseHostInput, parseMapFlags } from '../migrate/map-flag.js';
import { describeQuestion, type MigrationPlan, type PlanQuestion } from '../migrate/migration-plan.js';
import { buildPlan, type PlanOptions } from '../migrate/plan.js';
import { loadProjectSettings } from '../config/settings.js';
import { localInstallServes } from '../setup/vault-choice.js';
import { readMigrationEnv, type MigrationEnv } from '../migrate/read-env.js';
import type { Secret } from '../vault/model/records.js';
import { printJson, printLine, type CliContext } from './context.js';
import { connectVault } from './vault-connection.js';
import { vaultUp } from './vault-up.js';

interface Flags {
  dryRun?: boolean;
  yes?: boolean;
  map: string[];
  keep: string[];
  overwrite?: boolean;
  skip?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `ncl init-onecli`: moves the credentials in .env into the vault, grants them, and removes them from .env. */
export function initOnecliCommand(ctx: CliContext): Command {
  return new Command('init-onecli')
    .description('Move the credentials in .env into the vault, grant them to every agent, and remove them from .env')
    .option('--dry-run', 'print the plan (key names and hosts, never values) and change nothing')
    .option('-y, --yes', 'ask nothing: move known keys; leave unknown and clashing ones in .env')
    .option('--map <KEY=host>', 'move KEY and inject it into requests to host (repeatable)', collect, [])
    .option('--keep <KEY>', 'leave KEY in .env (repeatable)', collect, [])
    .option('--overwrite', 'when the vault already has a secret of that name or host, replace its value')
    .option('--skip', 'when the vault already has a secret of that name or host, leave the key in .env')
    .option('--json', 'print the plan or the result as JSON')
    .action((flags: Flags) => initOnecli(ctx, flags));
}

async function initOnecli(ctx: CliContext, flags: Flags): Promise<void> {
  if (flags.overwrite && flags.skip) throw new UsageError('Use --overwrite or --skip, not both');
  const checkpoint = crashHookFromEnv({ env: ctx.env, log: (line) => ctx.stderr.write(line + '\n') });
  const map = parseMapFlags(flags.map);
  const envFile = join(ctx.cwd, '.env');
  // The vault first: installing one writes ONECLI_URL and ONECLI_API_KEY to .env, which the plan must start from.
  const { client, existing } = await reachVault(ctx, Boolean(flags.dryRun), Boolean(flags.json));
  const env = await readMigrationEnv(envFile);
  const journalFile = journalPath(envFile);
  const options: PlanOptions = {
    map,
    keep: flags.keep,
    onConflict: flags.overwrite ? 'overwrite' : flags.skip || flags.yes ? 'skip' : 'ask',
    onUnknown: flags.yes ? 'keep' : 'ask',
    resumable: await readJournal(journalFile),
  };
  let plan = buildPlan({ doc: env.doc, existing, options });
  if (flags.dryRun) {
    if (flags.json) return printJson(ctx, { dryRun: true, vault: existing ? client.url : null, ...plan.toJSON() });
    return printLine(ctx, `Plan for ${envFile} (dry run: nothing changes)\n${plan.describe()}`);
  }
  plan = await answerQuestions(ctx, plan, { env, existing, options });
  // Belt and braces: nothing here prints a value, but an error message passing the redactor cannot either.
  for (const m of plan.moves) ctx.logger.redactor.add(env.doc.get(m.key));
  if (plan.moves.length === 0) {
    await clearJournal(journalFile);
    return report(ctx, flags, plan, null);
  }
  if (!flags.yes && !(await confirmMove(ctx, plan, Boolean(flags.json)))) {
    return flags.json ? printJson(ctx, { moved: [], envRewritten: false, declined: true }) : printLine(ctx, 'Nothing changed.');
  }
  const result = await applyPlan({ client, envFile, plan, env, journalFile, ...(checkpoint ? { checkpoint } : {}) });
  report(ctx, flags, plan, result);
}

/**
 * The vault and its secrets. When no vault answers, the local one is installed first (the
 * fresh path of `ncl setup`, i.e. `ncl vault up`) — unless this is a dry run (null: the plan
 * is shown without asking the vault), or ONECLI_URL / a remote vault names another address,
 * where a new local vault would not be the one this command talks to.
 */
async function reachVault(ctx: CliContext, dryRun: boolean, json: boolean): Promise<{ client: VaultClient; existing: Secret[] | null }> {
  const client = await connectVault(ctx);
  try {
    await client.health();
  } catch (err) {
    if (dryRun) return { client, existing: null };
    const { settings } = await loadProjectSettings({ cwd: ctx.cwd, env: ctx.env });
    if (!localInstallServes({ onecliUrl: settings.onecliUrl, vaultPort: settings.vaultPort, remoteHost: settings.remoteApiHost })) {
      throw new NanoclawError('no_vault', `No vault answers at ${client.url} (${errorMessage(err)})`, {
        hint: 'Start it with: ncl vault up (or run ncl vault serve in another terminal), then run ncl init-onecli again',
      });
    }
    return installLocalVault(ctx, client.url, json);
  }
  return { client, existing: (await client.listSecrets()).data };
}

async function installLocalVault(ctx: CliContext, url: string, json: boolean): Promise<{ client: VaultClient; existing: Secret[] }> {
  const out = json ? ctx.stderr : ctx.stdout;
  out.write(`No vault answers at ${url}: installing the local vault first (as ncl vault up does)\n`);
  await vaultUp(ctx, { progress: (line) => out.write(line + '\n') });
  const installed = await connectVault(ctx);
  return { client: installed, existing: (await installed.listSecrets()).data };
}

interface Replan {
  env: MigrationEnv;
  existing: Secret[] | null;
  options: PlanOptions;
}

/** Asks every open question through the prompter, or fails naming the flags when there is no terminal. */
async function answerQuestions(ctx: CliContext, first: MigrationPlan, r: Replan): Promise<MigrationPlan> {
  let plan = first;
  const map = { ...r.options.map };
  const keep = [...(r.options.keep ?? [])];
  const decisions: Record<string, 'overwrite' | 'skip'> = {};
  // An answered host can raise a clash question, so re-plan until nothing is open (each key is asked once).
  while (plan.questions.length > 0) {
    if (!ctx.prompter.interactive) {
      throw new UsageError(`ncl init-onecli needs ${plan.questions.length} answer(s) and there is no terminal to ask`, {
        hint: `${plan.questions.map(describeQuestion).join('. ')}. Or pass --yes to leave them all in .env.`,
      });
    }
    for (const q of plan.questions) {
      if (q.kind === 'host') {
        const host = await askHost(ctx, q);
        if (host) map[q.key] = host;
        else keep.push(q.key);
      } else {
        decisions[q.key] = (await askOverwrite(ctx, q)) ? 'overwrite' : 'skip';
      }
    }
    plan = buildPlan({ doc: r.env.doc, existing: r.existing, options: { ...r.options, map, keep, decisions } });
  }
  return plan;
}

async function askHost(ctx: CliContext, q: Extract<PlanQuestion, { kind: 'host' }>): Promise<string | undefined> {
  for (;;) {
    const answer = await ctx.prompter.text(
      `${q.key} (line ${q.lines.at(-1)}) ${q.detail}. Host to inject it into (e.g. api.example.com; empty keeps it in .env): `,
    );
    if (!answer.trim()) return undefined;
    const host = parseHostInput(answer);
    if (host) return host;
    ctx.stderr.write(`"${answer.trim()}" is not a host name like api.example.com or *.example.com\n`);
  }
}

function askOverwrite(ctx: CliContext, q: Extract<PlanQuestion, { kind: 'conflict' }>): Promise<boolean> {
  const clash = q.sameName ? `a secret named "${q.existingName}"` : `secret "${q.existingName}" for ${q.hostPattern}`;
  return ctx.prompter.confirm(
    `The vault already has ${clash} (values are write-only, so they cannot be compared). ` +
      `Replace its value with ${q.key} from .env? (no: ${q.key} stays in .env)`,
    false,
  );
}

async function confirmMove(ctx: CliContext, plan: MigrationPlan, json: boolean): Promise<boolean> {
  if (!ctx.prompter.interactive) {
    throw new UsageError('ncl init-onecli asks before it changes the vault and .env, and there is no terminal to ask', {
      hint: 'Check the plan with ncl init-onecli --dry-run, then run ncl init-onecli --yes',
    });
  }
  // With --json, stdout carries only the result document.
  (json ? ctx.stderr : ctx.stdout).write(plan.describe() + '\n');
  return ctx.prompter.confirm(`Move ${plan.moves.length} key(s) into the vault and remove them from .env?`, true);
}

/** The summary: what moved, to which agents, what stayed and why. Never a value. */
function report(ctx: CliContext, flags: Flags, plan: MigrationPlan, result: ApplyResult | null): void {
  const moved = result?.moved ?? [];
  if (flags.json) {
    return printJson(ctx, {
      moved,
      stays: plan.stays,
      notes: plan.notes,
      grantedTo: result?.grantedTo ?? [],
      agentCount: result?.agentCount ?? 0,
      envRewritten: result?.envRewritten ?? false,
    });
  }
  if (!result) return printLine(ctx, plan.describe());
  const lines = [`Moved ${moved.length} key(s) into the vault and removed them from .env:`];
  for (const m of moved) lines.push(`  ${m.key} → secret "${m.secretName}" for ${m.hostPattern}`);
  if (result.agentCount === 0) lines.push('No agents yet: grant the secrets to one with ncl agents set-secrets once it exists.');
  else lines.push(`Granted to all ${result.agentCount} agent(s)${result.grantedTo.length ? ` (new grants for ${result.grantedTo.join(', ')})` : ''}.`);
  if (plan.stays.length > 0) lines.push(`Stayed in .env (${plan.stays.length}):`, ...plan.stays.map((s) => `  ${s.key}: ${s.detail}`));
  lines.push('Check with: ncl secrets list');
  printLine(ctx, lines.join('\n'));
}
