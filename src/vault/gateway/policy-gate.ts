import type { Agent, AuditEntry } from '../model/records.js';
import type { RequestHeaders } from '../inject/method-override.js';
import { evaluatePolicy } from '../inject/policy.js';
import type { PolicyRule, RateCounter } from '../model/policy-rule.js';
import { RateLimiter } from '../inject/rate-limiter.js';
import { blockedByPolicy, rateLimited, type GatewayError } from './gateway-errors.js';
import { GRANT_TTL_MS } from './grant-cache.js';

/** What the rules read of a request besides its secret (a `RequestQuestion` is one, passed as it is). */
export interface PolicyCheck {
  agent: Agent;
  host: string;
  method: string;
  path: string;
  /** The request headers, so a method-override header counts as the method; absent where there are none to read. */
  headers?: RequestHeaders;
}

export interface PolicyRefusal {
  error: GatewayError;
  reason: string;
  decision: AuditEntry['decision'];
}

/** A request a `manual_approval` rule holds until a person decides. */
export interface PolicyHold {
  hold: PolicyRule;
  explain: string;
}

/**
 * Applies the policy rules (block, rate_limit, manual_approval) to one request. A request that
 * needs approval is held only where the caller can hold it (`checkOrHold`) and the gateway has
 * approvals; everywhere else it fails closed.
 */
export class PolicyGate {
  private readonly rules: () => readonly PolicyRule[];
  private readonly limiter: RateCounter;
  private readonly approvals: boolean;
  private readonly ttlMs: number;
  private cached: { at: number; rules: readonly PolicyRule[] } | null = null;

  constructor(options: { rules?: () => readonly PolicyRule[]; limiter?: RateCounter; approvals?: boolean; ttlMs?: number } = {}) {
    this.rules = options.rules ?? (() => []);
    this.limiter = options.limiter ?? new RateLimiter();
    this.approvals = options.approvals ?? false;
    this.ttlMs = options.ttlMs ?? GRANT_TTL_MS;
  }

  /** The rules, read at most once per TTL like grants: a rule change applies within a second, with no store query per request. */
  private currentRules(now: number): readonly PolicyRule[] {
    if (!this.cached || now - this.cached.at >= this.ttlMs) this.cached = { at: now, rules: this.rules() };
    return this.cached.rules;
  }

  /**
   * Null when the request may go on; else what to answer (a request needing approval is denied).
   * `secretId`: the secret that would be injected, if any. Never throws.
   */
  check(c: PolicyCheck, secretId: string | null): PolicyRefusal | null {
    const v = this.evaluate(c, secretId);
    return v && 'hold' in v ? this.cannotHold(v, 'unsupported') : v;
  }

  /** Like `check`, but a request needing approval comes back as a hold when the gateway has approvals. */
  checkOrHold(c: PolicyCheck, secretId: string | null): PolicyRefusal | PolicyHold | null {
    const v = this.evaluate(c, secretId);
    return v && 'hold' in v && !this.approvals ? this.cannotHold(v, 'unavailable') : v;
  }

  private evaluate(c: PolicyCheck, secretId: string | null): PolicyRefusal | PolicyHold | null {
    const now = Date.now();
    const rules = this.currentRules(now);
    if (rules.length === 0) return null;
    const d = evaluatePolicy(
      { rules, agentId: c.agent.id, method: c.method, host: c.host, path: c.path, headers: c.headers, secretId, now },
      this.limiter,
    );
    const rule = d.rule ? `:${d.rule.id}` : '';
    switch (d.decision) {
      case 'allow':
        return null;
      case 'block':
        return { error: blockedByPolicy(d.explain), reason: `policy_block${rule}`, decision: 'blocked' };
      case 'rate_limited': {
        const error = rateLimited(d.explain);
        error.headers = { 'retry-after': String(Math.max(1, Math.ceil((d.retryAfterMs ?? 0) / 1000))) };
        return { error, reason: `policy_rate_limit${rule}`, decision: 'rate_limited' };
      }
      case 'manual_approval':
        // evaluatePolicy always names the rule that asked; fail closed should it ever not.
        if (!d.rule) return { error: blockedByPolicy(d.explain), reason: 'policy_approval', decision: 'denied' };
        return { hold: d.rule, explain: d.explain };
    }
  }

  private cannotHold(h: PolicyHold, why: 'unavailable' | 'unsupported'): PolicyRefusal {
    const because =
      why === 'unavailable' || !this.approvals
        ? 'Approvals are not available on this gateway'
        : 'A tunnel or WebSocket upgrade cannot be held for approval';
    return {
      error: {
        status: 403,
        error: 'manual_approval_denied',
        code: 'manual_approval_denied',
        message: `${h.explain} ${because}, so the request is denied.`,
      },
      reason: `${this.approvals ? 'policy_approval_unsupported' : 'policy_approval_unavailable'}:${h.hold.id}`,
      decision: 'denied',
    };
  }
}
