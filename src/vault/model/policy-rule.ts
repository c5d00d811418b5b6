import { z } from 'zod';
import { HostPatternSchema, PathPatternSchema } from './records.js';

/** Policy rules as data: block, rate-limit, hold for approval. inject/policy.ts evaluates them. */

export const POLICY_ACTIONS = ['block', 'rate_limit', 'manual_approval'] as const;
export const RATE_WINDOWS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
export type RateWindow = keyof typeof RATE_WINDOWS;

/** One rate limit a request counts against: `limit` hits per `windowMs` under `key` (rule and agent). */
export interface RateLimitHit {
  key: string;
  limit: number;
  windowMs: number;
}

/**
 * Where rate-limit hits are counted: in memory (inject/rate-limiter.ts) or, with several vault
 * processes on one Postgres store, in the database, so a limit holds across all of them.
 */
export interface RateCounter {
  /**
   * All or nothing: when every limit has room at `now`, records one hit in each and returns null;
   * else records nothing and names the first limit that is full and when it frees up.
   */
  tryHitAll(limits: readonly RateLimitHit[], now: number): { index: number; retryAfterMs: number } | null;
}

/** A rule's fields as the API takes them (`agentId`/`secretId` may name an agent identifier or a secret name there). */
export const RuleFieldsSchema = z.strictObject({
  action: z.enum(POLICY_ACTIONS),
  hostPattern: HostPatternSchema,
  pathPattern: PathPatternSchema.optional(),
  method: z.string().trim().toUpperCase().regex(/^[A-Z]{1,32}$/, 'must be an HTTP method such as POST').optional(),
  agentId: z.string().min(1).max(128).optional(),
  secretId: z.string().min(1).max(128).optional(),
  limit: z.number().int().min(1).max(1_000_000).optional(),
  window: z.enum(Object.keys(RATE_WINDOWS) as [RateWindow, ...RateWindow[]]).optional(),
});

/** The cross-field rule every rule obeys, wherever it is parsed. */
export function refineRule(rule: z.infer<typeof RuleFieldsSchema>, ctx: z.RefinementCtx): void {
  if (rule.action === 'rate_limit' && (rule.limit === undefined || rule.window === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['limit'], message: 'a rate_limit rule needs limit and window' });
  }
}

/** A stored rule: its fields and its id. */
export const PolicyRuleSchema = z.object({ id: z.string().min(1).max(128), ...RuleFieldsSchema.shape }).superRefine(refineRule);
export type PolicyRule = z.infer<typeof PolicyRuleSchema>;
