import { z } from 'zod';

/** The vault's domain records. Store, API, gateway and client all take their types from here. */

/**
 * `oauth2`: a value of access token, refresh token, client and token endpoint (vault/oauth) that
 * renews itself. `honeytoken`: a decoy. The agent gets it exactly as it would a real secret for
 * its host pattern (placeholders, stubs); the gateway never forwards a request that would use it,
 * and raises an alert instead (decide-request.ts).
 */
export const SECRET_TYPES = ['anthropic', 'openai', 'generic', 'api_key', 'oauth2', 'honeytoken'] as const;
export const SecretTypeSchema = z.enum(SECRET_TYPES);
export type SecretType = z.infer<typeof SecretTypeSchema>;

const headerName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name (letters, digits, - and _)');

export const HeaderInjectionSchema = z.strictObject({
  headerName,
  valueFormat: z
    .string()
    .max(512)
    .refine((s) => s.includes('{value}'), 'must contain {value}')
    .optional(),
});
export const ParamInjectionSchema = z.strictObject({
  paramName: z.string().min(1).max(128),
  paramFormat: z
    .string()
    .max(512)
    .refine((s) => s.includes('{value}'), 'must contain {value}')
    .optional(),
});
export const InjectionConfigSchema = z.union([HeaderInjectionSchema, ParamInjectionSchema]);
export type InjectionConfig = z.infer<typeof InjectionConfigSchema>;

/**
 * `example.com`, `api.example.com`, `*.example.com` (subdomains only, not the apex) or
 * `.example.com` (the apex and its subdomains). Lower-cased, no port, no scheme, no trailing dot.
 */
export const HostPatternSchema = z
  .string()
  .trim()
  .toLowerCase()
  .transform((s) => s.replace(/\.$/, ''))
  .pipe(
    z
      .string()
      .min(1)
      .max(253)
      .regex(
        /^(\*\.|\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
        'must be a host name like api.example.com, *.example.com or .example.com (no scheme, port or path)',
      ),
  );

/** `*`, `/exact/path` or `/prefix/*`. */
export const PathPatternSchema = z
  .string()
  .trim()
  .min(1)
  .max(1024)
  .regex(/^(\*|\/[^\s?#]*)$/, 'must be * or start with / (for example /v1/*)');

export const SecretValueSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(65_536)
  .refine((s) => !/[\r\n\0]/.test(s), 'must not contain line breaks or NUL');

export const SecretSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: SecretTypeSchema,
  hostPattern: z.string(),
  pathPattern: z.string().nullable(),
  injectionConfig: InjectionConfigSchema.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
export type Secret = z.infer<typeof SecretSchema>;

export { AgentSchema, EgressPolicySchema, SecretModeSchema, type Agent, type EgressPolicy, type SecretMode } from './agent-record.js';

export const NameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(128)
  .regex(/^[^\r\n\0]+$/, 'must be one line');

export const IdentifierSchema = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ., _ or - (like my-group)');

export const AUDIT_DECISIONS = [
  'injected',
  'tunnelled',
  'passthrough',
  'blocked',
  'denied',
  'rate_limited',
  'not_connected',
  'error',
] as const;
export const AuditDecisionSchema = z.enum(AUDIT_DECISIONS);

export const AuditEntrySchema = z.object({
  id: z.number().int(),
  time: z.string(),
  agentId: z.string().nullable(),
  agentIdentifier: z.string().nullable(),
  method: z.string(),
  host: z.string(),
  path: z.string(),
  secretName: z.string().nullable(),
  decision: AuditDecisionSchema,
  status: z.number().int().nullable(),
  bytesIn: z.number().int(),
  bytesOut: z.number().int(),
  durationMs: z.number(),
  reason: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export type NewAuditEntry = Omit<AuditEntry, 'id' | 'time'> & { time?: string };

/** What `ncl audit verify` reports: the first row that breaks the hash chain, or the head to keep. */
export const AuditVerifyReportSchema = z.object({
  ok: z.boolean(),
  /** Chained rows found intact before the first bad one (all of them when ok). */
  checked: z.number().int(),
  /** Rows written before the chain existed (not checked). */
  legacy: z.number().int(),
  firstBad: z
    .object({
      id: z.number().int(),
      /** changed: its fields or MAC were edited; removed: rows before it are gone; inserted: it is not part of the chain. */
      problem: z.enum(['changed', 'removed', 'inserted']),
      /** The last intact row before it, or null. */
      after: z.number().int().nullable(),
    })
    .nullable(),
  /** The newest row's id and MAC: keep it elsewhere to notice the newest rows being cut off. */
  head: z.object({ id: z.number().int(), hash: z.string() }).nullable(),
  /** Rows up to this id were pruned by retention (not tampering). */
  prunedThroughId: z.number().int().nullable(),
});
export type AuditVerifyReport = z.infer<typeof AuditVerifyReportSchema>;

export const AuditQuerySchema = z.object({
  agent: z.string().optional(),
  secret: z.string().optional(),
  host: z.string().optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  status: z.coerce.number().int().min(100).max(599).optional(),
  decision: AuditDecisionSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;
