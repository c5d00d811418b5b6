import type { Agent, Secret } from '../model/records.js';
import { hostMatches } from './host-pattern.js';

/** The egress decision for hosts without a usable secret, by the agent's egress policy. */

export interface AllowlistRequest {
  agent: Agent;
  /** The secrets granted to this agent. */
  secrets: readonly Secret[];
  host: string;
}

/**
 * Under `tunnel` every host is allowed. Under `allowlist` and `ask` a host is allowed only when
 * it matches one of the agent's `allowHosts` patterns or the host pattern of a secret granted to
 * it (under `ask` the gateway then asks a person about any other host).
 */
export function isAllowedByAllowlist(req: AllowlistRequest): boolean {
  if (req.agent.egressPolicy === 'tunnel') return true;
  return (
    req.agent.allowHosts.some((pattern) => hostMatches(pattern, req.host)) ||
    req.secrets.some((secret) => hostMatches(secret.hostPattern, req.host))
  );
}
