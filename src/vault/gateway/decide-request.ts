import { errorMessage } from '../../common/errors.js';
import { injectionTarget, type InjectionTarget } from '../inject/apply-injection.js';
import type { Agent, Secret } from '../model/records.js';
import type { EchoForms } from './echo-scanner.js';
import type { ApprovalGate } from '../approvals/types.js';
import { pathForAudit } from './audit-recorder.js';
import { badGateway, blockedByPolicy, notConnected } from './gateway-errors.js';
import type { GrantCache, Reading, Revealed } from './grant-cache.js';
import type { PolicyCheck, PolicyGate, PolicyHold, PolicyRefusal } from './policy-gate.js';
import { poolKey, type PoolKey } from './pool-key.js';
import { echoForms } from './echo-forms.js';

/**
 * The one decision about a request, made once whatever path it takes (Node or native TLS, the
 * fast lane, an upgrade, plain HTTP, a tunnel's CONNECT). In order:
 *   1. the agent's secret for this host and path (only where one may be injected); a honeytoken
 *      refuses the request there and then, and alerts every approver;
 *   2. the policy rules (block, rate limit, manual approval), which see that secret;
 *   3. the secret's value, revealed and checked, with its echo forms and where it goes.
 * The only caller of `grants.select`, `grants.reveal` and `policy.check`/`checkOrHold` for a
 * request. Every path consumes the value as it is: the fast lane forwards a `forward` decision
 * itself, or hands the decision to the JavaScript path, which never decides again.
 */

/** What the gateway answers and audits instead of forwarding; `close`: what follows on the connection is not trusted as a request. */
export type Refusal = PolicyRefusal & { close?: boolean };

/** A revealed value of a secret and where it goes; the same object for as long as the value is cached. */
export interface Injection {
  readonly secret: Secret;
  readonly value: string;
  /** Every wire form of the value, for scanning what comes back. */
  readonly forms: EchoForms;
  readonly target: InjectionTarget;
}

/**
 * A discriminated union on `kind`. Every kind but `forward` carries the `secret` it concerns (for
 * the audit row), and every kind but `forward` and `hold` the `refusal` a path answers when it
 * has no handling of its own for that kind: a new kind touches this file and the one path that
 * acts on it (forward.ts `act`); the others refuse it, and the lane hands it over.
 */
export type RequestDecision =
  | { readonly kind: 'forward'; readonly injection: Injection | null }
  | { readonly kind: 'hold'; readonly secret: Secret | null; readonly hold: PolicyHold }
  /** An `oauth2` secret's token expired: decide again (`forwardWith`, `wait: false`) once `ready` settles. */
  | { readonly kind: 'wait'; readonly secret: Secret; readonly ready: Promise<void> }
  | { readonly kind: 'refuse'; readonly secret: Secret | null; readonly refusal: Refusal };

/** A decision that holds nothing: what a request that cannot be held (or was approved, or waited) gets. */
export type FinalDecision = Exclude<RequestDecision, { kind: 'hold' | 'wait' }>;

/** What the decision reads: the gateway context, or a fake of these in tests. */
export interface DecisionContext {
  grants: Pick<GrantCache, 'select' | 'reveal'>;
  policy: Pick<PolicyGate, 'check' | 'checkOrHold'>;
  /** Where `connect_url` points (an `oauth2` secret its provider will not renew). */
  connectUrlBase: string;
  /** Told when a request would use a honeytoken; without it the audit row is the only trace. */
  approvals?: Pick<ApprovalGate, 'alert'>;
}

/** A request as the decision reads it; the policy reads it as it is (a `PolicyCheck`). */
export interface RequestQuestion extends PolicyCheck {
  /** The request target as sent (origin-form path and query). */
  path: string;
  /** False where a value is never injected (plain HTTP, a tunnel): no secret is looked up. */
  inject: boolean;
  /** False where a request cannot be held (upgrades, tunnels): a manual-approval rule refuses it. */
  holdable: boolean;
}

const FORWARD_PLAIN: FinalDecision = Object.freeze({ kind: 'forward', injection: null });
const WAIT = Object.freeze({ wait: true });
const NO_WAIT = Object.freeze({ wait: false });
// Per revealed value and host (the form can differ by host: git on github.com takes Basic only).
const cached = new WeakMap<Revealed, { secret: Secret; byHost: Map<string, FinalDecision> }>();

/** Decides a request: refuse, hold for approval, or forward (with the injection, if any). Never throws. */
export function decideRequest(ctx: DecisionContext, q: RequestQuestion & { holdable: false }): FinalDecision;
// Without a secret to inject there is no token to wait for.
export function decideRequest(ctx: DecisionContext, q: RequestQuestion & { inject: false }): Exclude<RequestDecision, { kind: 'wait' }>;
export function decideRequest(ctx: DecisionContext, q: RequestQuestion): RequestDecision;
export function decideRequest(ctx: DecisionContext, q: RequestQuestion): RequestDecision {
  const secret = q.inject ? ctx.grants.select(q.agent.id, q.host, q.path) : null;
  if (secret?.type === 'honeytoken') return decoyUsed(ctx, q, secret);
  const secretId = secret?.id ?? null;
  const verdict = q.holdable ? ctx.policy.checkOrHold(q, secretId) : ctx.policy.check(q, secretId);
  if (verdict && 'hold' in verdict) return { kind: 'hold', secret, hold: verdict };
  if (verdict) return { kind: 'refuse', secret, refusal: verdict };
  return forwardWith(ctx, secret, q.host, q.holdable ? WAIT : NO_WAIT);
}

/**
 * A request that would carry a decoy's value (the injection sets it whatever the agent put where,
 * so every request the decoy's host and path patterns select): refused before policy, so no
 * rule, approval or grant lets it through, and every approver is told. The value is never read.
 */
function decoyUsed(ctx: DecisionContext, q: RequestQuestion, secret: Secret): FinalDecision {
  const path = pathForAudit(q.path);
  ctx.approvals?.alert?.({ kind: 'honeytoken', agentId: q.agent.id, agentIdentifier: q.agent.identifier, secretName: secret.name, method: q.method, host: q.host, path });
  // Worded as any block: an agent told it touched a decoy learns which of its credentials are
  // watched, and a thief would stop there (the audit row and the alert say what it was).
  const error = blockedByPolicy(`Blocked by policy: ${q.method} requests to ${q.host} are not allowed.`);
  return { kind: 'refuse', secret, refusal: { error, reason: 'honeytoken', decision: 'blocked' } };
}

/**
 * Whose pooled connection a CONNECT's upstream is dialled for ahead of its first request: the
 * agent with the secret it has for any path of the host (a guess; the request's own decision
 * picks the connection it uses).
 */
export function likelyPoolOwner(ctx: DecisionContext, agent: Agent, host: string): PoolKey {
  return poolKey({ agentId: agent.id, secretId: ctx.grants.select(agent.id, host, '/')?.id ?? null });
}

/**
 * Forwards with `secret`'s current value (also after an approval, which may take minutes: the
 * value is read then, not when the request was held). Refuses with 502 a value or config that
 * cannot be injected, and with `app_not_connected` an `oauth2` secret its provider will not renew;
 * forwards without a value when the secret vanished meanwhile. `wait`: an expired `oauth2` token
 * makes a `wait` decision (else the request goes with it as it is).
 */
export function forwardWith(ctx: DecisionContext, secret: Secret | null, host: string, o: { wait: false }): FinalDecision;
export function forwardWith(ctx: DecisionContext, secret: Secret | null, host: string, o: { wait: boolean }): RequestDecision;
export function forwardWith(ctx: DecisionContext, secret: Secret | null, host: string, o: { wait: boolean }): RequestDecision {
  if (!secret) return FORWARD_PLAIN;
  let read: Reading | null;
  try {
    read = ctx.grants.reveal(secret, o);
  } catch (err) {
    return { kind: 'refuse', secret, refusal: { error: badGateway(errorMessage(err)), reason: 'injection_failed', decision: 'error' } };
  }
  if (!read) return FORWARD_PLAIN;
  if ('wait' in read) return { kind: 'wait', secret, ready: read.wait };
  if ('revoked' in read) {
    return { kind: 'refuse', secret, refusal: { error: notConnected(host, ctx.connectUrlBase, { revoked: secret.name }), reason: `oauth_refresh_failed:${read.revoked}`, decision: 'not_connected' } };
  }
  const revealed = read;
  let hit = cached.get(revealed);
  if (!hit || hit.secret !== secret) {
    hit = { secret, byHost: new Map() };
    cached.set(revealed, hit);
  }
  const known = hit.byHost.get(host);
  if (known) return known;
  let decision: FinalDecision;
  try {
    const target = injectionTarget(secret, revealed.value, host);
    // The exact field this host gets is an echo form too (a Basic pair built around the value).
    const forms = echoForms([revealed.value], target.kind === 'header' ? [target.value] : []);
    decision = { kind: 'forward', injection: { secret, value: revealed.value, forms, target } };
  } catch (err) {
    decision = { kind: 'refuse', secret, refusal: { error: badGateway(errorMessage(err)), reason: 'injection_failed', decision: 'error' } };
  }
  hit.byHost.set(host, decision);
  return decision;
}
