import { z } from 'zod';
import { stringMap } from '../../common/string-map.js';
import { AgentSchema } from '../model/agent-record.js';

/**
 * The part of the API's contract (schemas.ts re-exports it) an agent's launch reads: the agent
 * with its token, its container config and the error body. A module of its own so that
 * `ncl launch` builds these few schemas and not every one of the API.
 */

/** Create and regenerate are the only responses that carry the agent's token. */
export const AgentWithTokenSchema = AgentSchema.extend({ token: z.string() });
/** Where the launcher mounts the vault CA inside agent containers (NODE_EXTRA_CA_CERTS points here). */
export const CA_CONTAINER_PATH = '/etc/nanoclaw/vault-ca.pem';
/** How containers on the lockdown network reach the gateway (the vault's alias there). */
export const DEFAULT_CONTAINER_GATEWAY_URL = 'http://gateway:10255';

/** `GET /v1/container-config?agent=…`: env (proxy with a fresh agent token, CA, placeholders), the CA, stub names. */
export const ContainerConfigSchema = z.object({
  env: stringMap(),
  caCertificate: z.string().includes('BEGIN CERTIFICATE'),
  caCertificateContainerPath: z.string().default(CA_CONTAINER_PATH),
  stubs: z.array(z.string()).default([]),
  gatewayHost: z.string().optional(),
});
export type ContainerConfig = z.output<typeof ContainerConfigSchema>;

/** Every API error body: `{error, code, message}`; `error` repeats the code for OneCLI clients. */
export const ApiErrorSchema = z.object({
  error: z.string(),
  code: z.string(),
  message: z.string(),
  field: z.string().optional(),
  hint: z.string().optional(),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;
