import { Command } from 'commander';
import type { CliContext } from './context.js';

type Commands = (ctx: CliContext) => Command[];

const lazy =
  <M>(load: () => Promise<M>, make: (m: M, ctx: CliContext) => Command[]) =>
  async (): Promise<Commands> => {
    const m = await load();
    return (ctx) => make(m, ctx);
  };

/**
 * Every top-level command, in help order, with the module that defines it. A command line loads
 * only the module of its command (all of them for help or an unknown word): `ncl launch` must not
 * pay for the vault server, the wizard and dockerode at start-up.
 */
const COMMANDS: [names: string[], load: () => Promise<Commands>][] = [
  [['setup'], lazy(() => import('./setup-command.js'), (m, ctx) => [m.setupCommand(ctx)])],
  [['vault'], lazy(() => import('./vault-command.js'), (m, ctx) => [m.vaultCommand(ctx)])],
  [['secrets'], lazy(() => import('./secrets-command.js'), (m, ctx) => [m.secretsCommand(ctx)])],
  [['agents'], lazy(() => import('./agents-command.js'), (m, ctx) => [m.agentsCommand(ctx)])],
  [['audit'], lazy(() => import('./audit-command.js'), (m, ctx) => [m.auditCommand(ctx)])],
  [['init-onecli'], lazy(() => import('./init-onecli-command.js'), (m, ctx) => [m.initOnecliCommand(ctx)])],
  [
    ['launch', 'ps', 'stop', 'logs'],
    lazy(() => import('./launch-command.js'), (m, ctx) => [m.launchCommand(ctx), m.psCommand(ctx), m.stopCommand(ctx), m.logsCommand(ctx)]),
  ],
  [['lockdown'], lazy(() => import('./lockdown-command.js'), (m, ctx) => [m.lockdownCommand(ctx)])],
  [['images'], lazy(() => import('./images-command.js'), (m, ctx) => [m.imagesCommand(ctx)])],
  [['approvals'], lazy(() => import('./approvals-command.js'), (m, ctx) => [m.approvalsCommand(ctx)])],
  [['rules'], lazy(() => import('./rules-command.js'), (m, ctx) => [m.rulesCommand(ctx)])],
  [['approvers'], lazy(() => import('./approvers-command.js'), (m, ctx) => [m.approversCommand(ctx)])],
];

/** The command tree for `argv` (all commands when argv names none). Output goes through `ctx`, so tests can capture it. */
export async function buildProgram(ctx: CliContext, argv: readonly string[] = []): Promise<Command> {
  const program = new Command('ncl')
    .description('nanoclaw: run AI agents in containers that never hold a raw credential')
    .version(ctx.version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    });
  const word = argv.find((a) => !a.startsWith('-'));
  const wanted = COMMANDS.filter(([names]) => word !== undefined && names.includes(word));
  const groups = await Promise.all((wanted.length > 0 ? wanted : COMMANDS).map(([, load]) => load()));
  for (const commands of groups) for (const sub of commands(ctx)) program.addCommand(sub);
  applyToTree(program, (cmd) => {
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });
  });
  return program;
}

function applyToTree(cmd: Command, fn: (c: Command) => void): void {
  fn(cmd);
  for (const sub of cmd.commands) applyToTree(sub, fn);
}
