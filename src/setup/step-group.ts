import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-write.js';
import type { NanoclawError } from '../common/errors.js';
import { loadProjectSettings } from '../config/settings.js';
import type { Agent } from '../vault/model/records.js';
import { projectVault } from './project-vault.js';
import { existingClaudeSecret } from './step-auth.js';
import type { SetupContext, SetupStep } from './types.js';

/** The group's container.json for a new group. Pure. */
export function groupConfig(input: { identifier: string; anthropicBaseUrl: string | undefined }): Record<string, unknown> {
  return { agentGroupId: input.identifier, ...(input.anthropicBaseUrl ? { env: { ANTHROPIC_BASE_URL: input.anthropicBaseUrl } } : {}) };
}

const groupFile = (ctx: SetupContext) => join(ctx.io.cwd, 'groups', ctx.options.group, 'container.json');
const exists = (path: string) => access(path).then(() => true, () => false);

async function findAgent(ctx: SetupContext): Promise<Agent | null> {
  const client = await projectVault(ctx);
  return client.getAgent(ctx.options.group).catch((err: unknown) => {
    if ((err as NanoclawError).code === 'not_found') return null;
    throw err;
  });
}

/** The ids of the secrets that connect Claude (none when auth was skipped). */
async function claudeSecretIds(ctx: SetupContext): Promise<{ id: string; name: string }[]> {
  const { settings } = await loadProjectSettings({ cwd: ctx.io.cwd, env: ctx.io.env });
  const customHost = settings.anthropicBaseUrl ? new URL(settings.anthropicBaseUrl).hostname : undefined;
  const found = existingClaudeSecret((await (await projectVault(ctx)).listSecrets()).data, customHost);
  return found ? [{ id: found.id, name: found.name }] : [];
}

/** First group: the agent in the vault (created or reused), its grant of the Claude secret, and groups/<id>/container.json. */
export const groupStep: SetupStep = {
  id: 'group',
  title: 'First agent group',
  async isDone(ctx) {
    const agent = await findAgent(ctx);
    if (!agent || !(await exists(groupFile(ctx)))) return false;
    const wanted = await claudeSecretIds(ctx);
    const granted = (await (await projectVault(ctx)).getAgentSecrets(agent.id)).data;
    const done = agent.secretMode === 'all' || wanted.every((w) => granted.includes(w.id));
    if (done) ctx.summary.group = { identifier: agent.identifier, name: agent.name, folder: ctx.options.group, created: false, granted: [] };
    return done;
  },
  async run(ctx, say) {
    const client = await projectVault(ctx);
    let agent = await findAgent(ctx);
    const created = agent === null;
    if (!agent) {
      const { token: _token, ...fresh } = await client.createAgent({ name: ctx.options.groupName, identifier: ctx.options.group, secretMode: 'selective' });
      agent = fresh;
      say(`Created agent ${agent.identifier} ("${agent.name}")`);
    } else {
      say(`Agent ${agent.identifier} exists; keeping it`);
    }
    const wanted = await claudeSecretIds(ctx);
    // Merge, never replace: grants made by hand or by ncl init-onecli stay.
    const { added } = await client.grantAgentSecrets(agent.id, wanted.map((w) => w.id));
    const granted = wanted.filter((w) => added.includes(w.id)).map((w) => w.name);
    if (granted.length > 0) say(`Granted ${granted.join(', ')} to ${agent.identifier}`);
    const file = groupFile(ctx);
    if (!(await exists(file))) {
      const { settings } = await loadProjectSettings({ cwd: ctx.io.cwd, env: ctx.io.env });
      await writeFileAtomic(file, JSON.stringify(groupConfig({ identifier: agent.identifier, anthropicBaseUrl: settings.anthropicBaseUrl }), null, 2) + '\n', { mode: 0o644 });
      say(`Wrote ${file}`);
    }
    ctx.summary.group = { identifier: agent.identifier, name: agent.name, folder: ctx.options.group, created, granted };
  },
};
