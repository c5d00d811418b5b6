import { z } from 'zod';
import { stringMap } from '../../common/string-map.js';
import { oauthValueProblem } from '../oauth/oauth-value.js';
import {
  AgentSchema,
  AuditEntrySchema,
  EgressPolicySchema,
  HostPatternSchema,
  IdentifierSchema,
  InjectionConfigSchema,
  NameSchema,
  PathPatternSchema,
  SecretModeSchema,
  SecretSchema,
  SecretTypeSchema,
  SecretValueSchema,
} from '../model/records.js';

/**
 * The REST contract of the vault API (OneCLI-compatible shapes). The server validates
 * with these; the client parses responses with them. Request bodies are strict so a
 * misspelt field is a 400 that names it rather than a silent no-op.
 */

/** An oauth2 secret's value must be the JSON the refresher reads (vault/oauth/oauth-value.ts). */
function oauthValueIssue(value: string, ctx: z.RefinementCtx): void {
  const problem = oauthValueProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
}

export const MAX_BODY_BYTES = 256 * 1024;

export const CreateSecretBodySchema = z
  .strictObject({
    name: NameSchema,
    type: SecretTypeSchema,
    /** Optional only for a honeytoken, which never goes anywhere: the vault makes up its value. */
    value: SecretValueSchema.optional(),
    hostPattern: HostPatternSchema,
    pathPattern: PathPatternSchema.nullish(),
    injectionConfig: InjectionConfigSchema.nullish(),
  })
  .superRefine((body, ctx) => {
    if (body.type === 'generic' && !body.injectionConfig) {
      ctx.addIssue({
        code: 'custom',
        path: ['injectionConfig'],
        message: 'is required for type generic: give headerName (+ valueFormat) or paramName',
      });
    }
    if (body.type === 'oauth2' && body.value !== undefined) oauthValueIssue(body.value, ctx);
    if (body.value === undefined && body.type !== 'honeytoken') {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'is required (only a honeytoken may leave it out)' });
    }
  });
export type CreateSecretBody = z.infer<typeof CreateSecretBodySchema>;

export const UpdateSecretBodySchema = z
  .strictObject({
    name: NameSchema.optional(),
    type: SecretTypeSchema.optional(),
    value: SecretValueSchema.optional(),
    hostPattern: HostPatternSchema.optional(),
    pathPattern: PathPatternSchema.nullish(),
    injectionConfig: InjectionConfigSchema.nullish(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');
export type UpdateSecretBody = z.infer<typeof UpdateSecretBodySchema>;

export const CreateAgentBodySchema = z.strictObject({
  name: NameSchema,
  identifier: IdentifierSchema,
  secretMode: SecretModeSchema.optional(),
});
export type CreateAgentBody = z.infer<typeof CreateAgentBodySchema>;

export const UpdateAgentBodySchema = z.strictObject({
  name: NameSchema.optional(),
  egressPolicy: EgressPolicySchema.optional(),
  allowHosts: z.array(HostPatternSchema).max(256).optional(),
});
export type UpdateAgentBody = z.input<typeof UpdateAgentBodySchema>;

export const SetAgentSecretsBodySchema = z.strictObject({
  secretIds: z.array(z.string().min(1)).max(1000),
});

export const SetSecretModeBodySchema = z.strictObject({ mode: SecretModeSchema });

export const ListSchema = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });

export const SecretListSchema = ListSchema(SecretSchema);
export const AgentListSchema = ListSchema(AgentSchema);
export const AgentSecretIdsSchema = z.object({ data: z.array(z.string()) });
export const SecretModeResponseSchema = z.object({ id: z.string(), secretMode: SecretModeSchema });
export const AuditPageSchema = z.object({
  data: z.array(AuditEntrySchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});
/** Where the vault's store lives, as health shows it: never a password. */
export const StoreLocationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sqlite'), path: z.string() }),
  z.object({ kind: z.literal('postgres'), host: z.string(), port: z.number().int(), database: z.string(), schema: z.string().optional() }),
]);
export type StoreLocation = z.infer<typeof StoreLocationSchema>;

/** A vault process serving from the same store, seen by its heartbeat. */
export const ReplicaSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  version: z.string(),
  startedAt: z.string(),
  lastSeenSecondsAgo: z.number(),
  /** The process that answered this health check. */
  self: z.boolean(),
});
export type Replica = z.infer<typeof ReplicaSchema>;

export const HealthSchema = z.object({
  status: z.literal('ok'),
  service: z.string(),
  version: z.string(),
  store: z.enum(['sqlite', 'postgres']).optional(),
  storeLocation: StoreLocationSchema.optional(),
  /** The live vault processes on this store; null when the store could not be asked. */
  replicas: z.object({ live: z.number().int(), list: z.array(ReplicaSchema) }).nullable().optional(),
});
export const DeletedSchema = z.object({ id: z.string(), deleted: z.literal(true) });

export { AgentSchema, SecretSchema };
export {
  AgentWithTokenSchema,
  ApiErrorSchema,
  CA_CONTAINER_PATH,
  ContainerConfigSchema,
  DEFAULT_CONTAINER_GATEWAY_URL,
  type ApiError,
  type ContainerConfig,
} from './agent-schemas.js';


