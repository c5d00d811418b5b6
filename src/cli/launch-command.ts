import { Command } from 'commander';
import { agentLogs, listAgentContainers, stopAgentContainer, type AgentSummary } from '../docker/agent-container.js';
import { printJson, printLine, type CliContext } from './context.js';
import { launchAgent } from './launch-agent.js';

/** A fixed-width table of agents for people; `--json` gives the same data to scripts. */
export function formatAgentTable(agents: readonly AgentSummary[]): string {
  if (agents.length === 0) return 'No agent containers. Start one with: ncl launch <folder>';
  const rows = [['GROUP', 'STATE', 'LOCKDOWN', 'NATIVE', 'IMAGE', 'STATUS']];
  for (const a of agents) rows.push([a.group, a.state, a.lockdown ? 'on' : 'off', a.native ? 'yes' : 'no', a.image, a.status]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** dockerode, loaded only by the commands that use it: `ncl launch` must not pay for it (engine-api.ts). */
async function docker(ctx: CliContext) {
  const { connectDocker } = await import('../docker/docker-client.js');
  return connectDocker({ env: ctx.env });
}

/** `ncl launch <folder> [-- command…]`. */
export function launchCommand(ctx: CliContext): Command {
  return new Command('launch')
    .description('Start the agent container of groups/<folder> behind the vault gateway')
    .argument('<folder>', 'the group folder under groups/')
    .argument('[command...]', 'command to run instead of the image’s (after --)')
    .option('--skip-self-test', 'do not prove the lockdown from inside the container first (not recommended)')
    .action(async (folder: string, command: string[], o: { skipSelfTest?: boolean }) => {
      const result = await launchAgent(ctx, { folder, command, skipSelfTest: !!o.skipSelfTest });
      printJson(ctx, result);
    });
}

/** `ncl ps [--json]`. */
export function psCommand(ctx: CliContext): Command {
  return new Command('ps')
    .description('List agent containers')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const agents = await listAgentContainers(await docker(ctx), {});
      if (o.json) printJson(ctx, { data: agents });
      else printLine(ctx, formatAgentTable(agents));
    });
}

/** `ncl stop <folder>`: stops and removes the group's container (a relaunch makes a new one). */
export function stopCommand(ctx: CliContext): Command {
  return new Command('stop')
    .description('Stop and remove the agent container of a group')
    .argument('<folder>', 'the group folder')
    .action(async (folder: string) => {
      const stopped = await stopAgentContainer(await docker(ctx), { folder });
      printJson(ctx, { group: folder, stopped });
    });
}

/** `ncl logs <folder> [-f]`. */
export function logsCommand(ctx: CliContext): Command {
  return new Command('logs')
    .description('Show the output of a group’s agent container')
    .argument('<folder>', 'the group folder')
    .option('-f, --follow', 'keep streaming until the container stops')
    .option('--tail <n>', 'only the last n lines', (v) => Number.parseInt(v, 10))
    .action(async (folder: string, o: { follow?: boolean; tail?: number }) => {
      await agentLogs(await docker(ctx), { folder }, {
        follow: !!o.follow,
        out: ctx.stdout,
        err: ctx.stderr,
        ...(o.tail !== undefined ? { tail: o.tail } : {}),
      });
    });
}
