import { Command } from 'commander';
import { agentsCommand } from './agents-command.js';
import { approvalsCommand } from './approvals-command.js';
import { approversCommand } from './approvers-command.js';
import { auditCommand } from './audit-command.js';
import { imagesCommand } from './images-command.js';
import type { CliContext } from './context.js';
import { launchCommand, logsCommand, psCommand, stopCommand } from './launch-command.js';
import { lockdownCommand } from './lockdown-command.js';
import { initOnecliCommand } from './init-onecli-command.js';
import { rulesCommand } from './rules-command.js';
import { secretsCommand } from './secrets-command.js';
import { setupCommand } from './setup-command.js';
import { vaultCommand } from './vault-command.js';

/** The whole command tree. Output goes through `ctx`, so tests can capture it. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('ncl')
    .description('nanoclaw: run AI agents in containers that never hold a raw credential')
    .version(ctx.version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    });
  for (const sub of [setupCommand(ctx), vaultCommand(ctx), secretsCommand(ctx), agentsCommand(ctx), auditCommand(ctx), initOnecliCommand(ctx)]) program.addCommand(sub);
  for (const sub of [launchCommand(ctx), psCommand(ctx), stopCommand(ctx), logsCommand(ctx), lockdownCommand(ctx)]) program.addCommand(sub);
  program.addCommand(imagesCommand(ctx));
  for (const sub of [approvalsCommand(ctx), rulesCommand(ctx), approversCommand(ctx)]) program.addCommand(sub);
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
