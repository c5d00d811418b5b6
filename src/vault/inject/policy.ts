import { RATE_WINDOWS, type PolicyRule, type RateCounter } from '../model/policy-rule.js';
import { hostMatches } from './host-pattern.js';
import { requestMethods, type RequestHeaders } from './method-override.js';
import { anyReadingMatches } from './path-pattern.js';
import { pathReadings, type PathReadings } from './path-readings.js';

/** The pure evaluation of policy rules (block, rate-limit, hold for approval); the rules as data are in model/policy-rule.ts. */

export type PolicyOutcome = 'allow' | 'block' | 'rate_limited' | 'manual_approval';

export interface PolicyRequest {
  rules: readonly PolicyRule[];
  agentId: string | null;
  method: string;
  host: string;
  path: string;
  /** The request headers: method-override headers count as the method (method-override.ts). */
  headers?: RequestHeaders;
  /** The secret that would be injected, if any. */
  secretId: string | null;
  /** Epoch milliseconds. */
  now: number;
}

export interface PolicyDecision {
  decision: PolicyOutcome;
  rule?: PolicyRule;
  /** One sentence for the refusal body and the audit reason. Never holds a secret value. */
  explain: string;
  /** For `rate_limited`: when to retry (the Retry-After header). */
  retryAfterMs?: number;
}

/** A sentence saying what a rule does, e.g. "Blocks POST requests to api.github.com/repos/* (rule r1)". */
export function explainRule(rule: PolicyRule): string {
  const method = rule.method ? `${rule.method} ` : '';
  const where = `${rule.hostPattern}${rule.pathPattern && rule.pathPattern !== '*' ? rule.pathPattern : ''}`;
  const scope = [
    rule.agentId ? ` from agent ${rule.agentId}` : '',
    rule.secretId ? ` using secret ${rule.secretId}` : '',
  ].join('');
  const tag = ` (rule ${rule.id})`;
  switch (rule.action) {
    case 'block':
      return `Blocks ${method}requests to ${where}${scope}${tag}`;
    case 'manual_approval':
      return `Holds ${method}requests to ${where}${scope} for manual approval${tag}`;
    case 'rate_limit':
      return `Allows at most ${rule.limit} ${method}requests per ${rule.window} to ${where}${scope}, counted per agent${tag}`;
  }
}

/**
 * Whether a rule applies to a request. Paths match under any reading and the method as sent or as
 * any override header names it, so neither an encoding nor an override can dodge a rule.
 */
function appliesTo(rule: PolicyRule, req: Omit<PolicyRequest, 'rules' | 'now'>, r: { paths: PathReadings; methods: string[] }): boolean {
  return (
    hostMatches(rule.hostPattern, req.host) &&
    anyReadingMatches(rule.pathPattern, r.paths) &&
    (rule.method === undefined || r.methods.includes(rule.method)) &&
    (rule.agentId === undefined || rule.agentId === req.agentId) &&
    (rule.secretId === undefined || rule.secretId === req.secretId)
  );
}

/** The request's path readings and methods, worked out once for all the rules. */
function readingsOf(req: Pick<PolicyRequest, 'path' | 'method' | 'headers'>): { paths: PathReadings; methods: string[] } {
  return { paths: pathReadings(req.path), methods: requestMethods(req.method, req.headers) };
}

function limiterKey(rule: PolicyRule, agentId: string | null): string {
  return `${rule.id}\u0000${agentId ?? ''}`;
}

/**
 * Decides a request: block beats rate limits, which beat manual approval. Rate-limit hits are
 * recorded only when the request is allowed or goes to approval, and then for every matching
 * rate rule at once, so a refused request uses up no quota.
 */
export function evaluatePolicy(req: PolicyRequest, limiter: RateCounter): PolicyDecision {
  const readings = readingsOf(req);
  const applicable = req.rules.filter((rule) => appliesTo(rule, req, readings));
  const block = applicable.find((r) => r.action === 'block');
  if (block) return { decision: 'block', rule: block, explain: `Blocked by policy: ${explainRule(block)}.` };

  const limits = applicable.filter((r) => r.action === 'rate_limit' && r.limit && r.window);
  const hits = limits.map((rule) => ({ key: limiterKey(rule, req.agentId), limit: rule.limit ?? 0, windowMs: RATE_WINDOWS[rule.window ?? 'minute'] }));
  const full = hits.length > 0 ? limiter.tryHitAll(hits, req.now) : null;
  if (full) {
    const rule = limits[full.index]!;
    const explain = `Rate limited: ${explainRule(rule)}; retry in ${Math.ceil(full.retryAfterMs / 1000)}s.`;
    return { decision: 'rate_limited', rule, explain, retryAfterMs: full.retryAfterMs };
  }

  const approval = applicable.find((r) => r.action === 'manual_approval');
  if (approval) return { decision: 'manual_approval', rule: approval, explain: `Needs approval: ${explainRule(approval)}.` };
  const within = limits[0];
  if (within) return { decision: 'allow', rule: within, explain: `Allowed within the limit: ${explainRule(within)}.` };
  return { decision: 'allow', explain: 'Allowed: no policy rule applies.' };
}
