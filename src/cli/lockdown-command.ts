import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../common/errors.js';
import { setEnvValue } from '../config/env-file.js';
import { updateEnvFile } from '../config/env-file-io.js';
import { loadProjectSettings } from '../config/settings.js';
import { listAgentContainers, type AgentSummary } from '../docker/agent-container.js';
import { connectDocker } from '../docker/docker-client.js';
import { printJson, type CliContext } from './context.js';
import { launchAgent } from './launch-agent.js';

const VARIABLE = 'NANOCLAW_EGRESS_LOCKDOWN';

/** This project's running agents whose lockdown state differs from `wanted`: they keep the old one until relaunched. Pure. */
export function agentsNeedingRestart(agents: readonly AgentSummary[], wanted: boolean, projectDir: string): AgentSummary[] {
  return agents.filter((a) => a.state === 'running' && a.lockdown !== wanted && a.project === projectDir);
}

/** This project's agents: the lockdown setting lives in its .env, so another project's agents are not ours to judge. */
async function projectAgents(ctx: CliContext): Promise<AgentSummary[]> {
  const projectDir = resolve(ctx.cwd);
  return (await listAgentContainers(await connectDocker({ env: ctx.env }), {})).filter((a) => a.project === projectDir);
}

async function status(ctx: CliContext) {
  const { settings, sources } = await loadProjectSettings({ cwd: ctx.cwd, env: ctx.env });
  const agents = await projectAgents(ctx);
  const stale = agentsNeedingRestart(agents, settings.egressLockdown, resolve(ctx.cwd));
  return {
    lockdown: settings.egressLockdown,
    source: sources.egressLockdown,
    network: settings.egressLockdown ? settings.egressNetwork : settings.outboundNetwork,
    agents: agents.filter((a) => a.state === 'running').map((a) => ({ group: a.group, lockdown: a.lockdown, needsRestart: stale.includes(a) })),
  };
}

async function restart(ctx: CliContext, stale: readonly AgentSummary[]): Promise<string[]> {
  const restarted: string[] = [];
  for (const agent of stale) {
    await launchAgent(ctx, { folder: agent.group, ...(agent.command ? { command: agent.command } : {}) });
    restarted.push(agent.group);
  }
  return restarted;
}

/** `ncl lockdown on|off|status [--restart]`: edits only NANOCLAW_EGRESS_LOCKDOWN in .env. */
export function lockdownCommand(ctx: CliContext): Command {
  return new Command('lockdown')
    .description('Turn egress lockdown on or off (agents reach only the gateway), or show it')
    .argument('<state>', 'on, off or status')
    .option('--restart', 'relaunch running agents whose lockdown state is now out of date')
    .action(async (state: string, o: { restart?: boolean }) => {
      if (!['on', 'off', 'status'].includes(state)) throw new UsageError(`Unknown lockdown state "${state}"`, { hint: 'Use: ncl lockdown on|off|status' });
      if (state !== 'status') {
        const envFile = join(ctx.cwd, '.env');
        await updateEnvFile(envFile, (doc) => setEnvValue(doc, VARIABLE, state === 'on' ? 'true' : 'false'));
        const fromShell = ctx.env[VARIABLE]?.trim();
        if (fromShell) ctx.logger.warn(`${VARIABLE} is also set in your shell environment, which wins over .env; unset it for this change to apply`);
      }
      const before = await status(ctx);
      const stale = before.agents.filter((a) => a.needsRestart).map((a) => a.group);
      if (stale.length > 0 && !o.restart) {
        ctx.logger.warn(`Running agents still use the old lockdown state: ${stale.join(', ')}; relaunch them with: ncl lockdown ${state === 'status' ? (before.lockdown ? 'on' : 'off') : state} --restart`);
      }
      if (o.restart && stale.length > 0) {
        const restarted = await restart(ctx, agentsNeedingRestart(await projectAgents(ctx), before.lockdown, resolve(ctx.cwd)));
        printJson(ctx, { ...(await status(ctx)), restarted });
        return;
      }
      printJson(ctx, { ...before, restarted: [] });
    });
}
