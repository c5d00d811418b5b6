import type { Agent, AuditEntry } from '../model.js';
import { evaluatePolicy, type PolicyRule } from '../inject/policy.js';
import { RateLimiter } from '../inject/rate-limiter.js';
import { blockedByPolicy, rateLimited, type GatewayError } from './gateway-errors.js';

export interface PolicyCheck {
  agent: Agent;
  host: string;
  method: string;
  path: string;
  /** The secret that would be injected, if any. */
  secretId: string | null;
}

export interface PolicyRefusal {
  error: GatewayError;
  reason: string;
  decision: AuditEntry['decision'];
}

/**
 * Applies the policy rules (block, rate_limit) to one request. Manual approval needs the
 * approvals service, which the gateway does not have yet, so such requests fail closed.
 */
export class PolicyGate {
  private readonly rules: () => readonly PolicyRule[];
  private readonly limiter: RateLimiter;

  constructor(options: { rules?: () => readonly PolicyRule[]; limiter?: RateLimiter } = {}) {
    this.rules = options.rules ?? (() => []);
    this.limiter = options.limiter ?? new RateLimiter();
  }

  /** Null when the request may go on; else what to answer. Never throws. */
  check(c: PolicyCheck): PolicyRefusal | null {
    const rules = this.rules();
    if (rules.length === 0) return null;
    const d = evaluatePolicy(
      { rules, agentId: c.agent.id, method: c.method, host: c.host, path: c.path, secretId: c.secretId, now: Date.now() },
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
        return {
          error: {
            status: 403,
            error: 'manual_approval_denied',
            code: 'manual_approval_denied',
            message: `${d.explain} Approvals are not available on this gateway, so the request is denied.`,
          },
          reason: `policy_approval_unavailable${rule}`,
          decision: 'denied',
        };
    }
  }
}
