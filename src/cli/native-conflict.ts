import type { VaultClient } from '../client/vault-client.js';
import { NanoclawError } from '../common/errors.js';
import type { Agent, Secret } from '../vault/model/records.js';

export const ANTHROPIC_HOST = 'api.anthropic.com';

/** Host-pattern match as the gateway does it: exact, or `*.x` for subdomains (not the apex). Pure. */
export function patternMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  return p.startsWith('*.') ? host.endsWith(p.slice(1)) && host.length > p.length - 1 : p === host;
}

/** The secrets the gateway would inject into this agent's Anthropic requests. Pure. */
export function anthropicOverrides(agent: Pick<Agent, 'secretMode'>, secrets: readonly Secret[], grantedIds: readonly string[]): Secret[] {
  const usable = agent.secretMode === 'all' ? secrets : secrets.filter((s) => grantedIds.includes(s.id));
  return usable.filter((s) => patternMatches(s.hostPattern, ANTHROPIC_HOST));
}

/**
 * In native mode the agent's own key must reach Anthropic as it is. Refuses to launch when the
 * gateway would replace it with a vault secret (users otherwise see "Invalid API key" from a key
 * they never sent).
 */
export async function refuseAnthropicOverride(client: VaultClient, agent: Agent): Promise<void> {
  const [secrets, granted] = await Promise.all([client.listSecrets(), client.getAgentSecrets(agent.id)]);
  const overriding = anthropicOverrides(agent, secrets.data, granted.data);
  if (overriding.length === 0) return;
  const names = overriding.map((s) => `"${s.name}" (${s.id})`).join(', ');
  const keep = granted.data.filter((id) => !overriding.some((s) => s.id === id));
  throw new NanoclawError('native_conflict', `Native credentials are on, but the vault would replace the agent's Anthropic key with ${names} granted to agent ${agent.identifier}`, {
    hint:
      agent.secretMode === 'all'
        ? `Make its grants explicit without it: ncl agents set-secret-mode --id ${agent.identifier} --mode selective, then grant what it needs; or turn native mode off`
        : `Revoke it: ncl agents set-secrets --id ${agent.identifier} --secret-ids "${keep.join(',')}"; or turn native mode off to let the vault inject it`,
  });
}
