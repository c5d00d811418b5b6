import { z } from 'zod';

/**
 * The agent record (records.ts re-exports it). A module of its own so that `ncl launch`, whose
 * vault calls parse agents, loads these few schemas and not the whole domain model.
 */

export const SecretModeSchema = z.enum(['all', 'selective']);
export type SecretMode = z.infer<typeof SecretModeSchema>;

/**
 * `tunnel`: every host; `allowlist`: only hosts on the agent's list (or of its secrets);
 * `ask`: those, and the first request to any other host is held until a person allows it once,
 * always (the host joins the list) or denies it.
 */
export const EgressPolicySchema = z.enum(['tunnel', 'allowlist', 'ask']);
export type EgressPolicy = z.infer<typeof EgressPolicySchema>;

export const AgentSchema = z.object({
  id: z.string(),
  name: z.string(),
  identifier: z.string(),
  secretMode: SecretModeSchema,
  egressPolicy: EgressPolicySchema,
  allowHosts: z.array(z.string()),
  createdAt: z.string(),
});
export type Agent = z.infer<typeof AgentSchema>;
