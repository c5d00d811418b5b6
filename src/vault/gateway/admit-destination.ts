import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { isAllowedByAllowlist } from '../inject/allowlist.js';
import { isKnownCredentialedHost } from '../inject/known-hosts.js';
import { hostHasAnySecret } from '../inject/select-secret.js';
import type { Agent } from '../model/records.js';
import type { VaultStore } from '../store/types.js';
import { decideRequest, type DecisionContext, type Refusal, type RequestQuestion } from './decide-request.js';
import type { EgressGuard } from './egress-guard.js';
import { badGateway, blockedByPolicy, proxyAuthRequired } from './gateway-errors.js';
import type { PolicyHold } from './policy-gate.js';
import { tokenFromProxyAuthorization } from './proxy-auth.js';
import { approvalDenied } from './approval-hold.js';
import { pathForAudit, type RequestRecord } from './audit-recorder.js';
import type { NewHostApprovals } from './new-host-approvals.js';

/** What admission reads: the gateway context, or a fake of these in tests. */
export interface AdmissionContext extends DecisionContext {
  store: { agents: Pick<VaultStore['agents'], 'findByToken' | 'grantedSecrets'>; secrets: Pick<VaultStore['secrets'], 'list'> };
  guard: Pick<EgressGuard, 'check'>;
  logger: Pick<Logger, 'warn'>;
  /** Asks a person about a host off the allowlist of an agent in egress mode `ask`. */
  newHosts: Pick<NewHostApprovals, 'ask'>;
}

export interface AdmissionRequest {
  /** The request's `Proxy-Authorization`. */
  proxyAuthorization: string | string[] | undefined;
  /** `connect`: a CONNECT, TLS-terminated when its host may need a credential; `http`: absolute-form http://, never. */
  via: 'connect' | 'http';
  /** The destination the caller parsed, or why the request cannot be served (answered once the agent is known). */
  target: { host: string; port: number } | Refusal;
  /** What the policy judges: `CONNECT /` for a tunnel, the request itself for plain HTTP. */
  policy: Pick<RequestQuestion, 'method' | 'path' | 'headers'>;
  /** Holds the request for approval; true when approved, else it has answered. Absent: the request cannot be held. */
  hold?: (h: { agent: Agent; host: string; hold: PolicyHold }) => Promise<boolean>;
  /** The audit row; its agent is set once identified. */
  rec: RequestRecord;
  /**
   * A signal that aborts when the agent goes away (a new host's approval is then cancelled, unless
   * others wait on it); asked for only when admission waits on a person.
   */
  signal: () => AbortSignal;
}

export type Admission =
  | { kind: 'admit'; agent: Agent; host: string; port: number; address: string; family: 4 | 6; intercept: boolean }
  | { kind: 'refuse'; refusal: Refusal }
  /** A held request was not approved: `hold` has answered it. */
  | { kind: 'answered' };

/** The agent named by a `Proxy-Authorization`, or null. Never throws. */
function identify(ctx: AdmissionContext, header: string | string[] | undefined): Agent | null {
  const token = tokenFromProxyAuthorization(header);
  if (!token) return null;
  try {
    const agent = ctx.store.agents.findByToken(token);
    return agent && shared(agent);
  } catch (err) {
    ctx.logger.warn('Agent lookup failed', { error: errorMessage(err) });
    return null;
  }
}

/**
 * The agent as its connections keep it: one frozen object per agent while the store's record is
 * unchanged, so an idle connection holds no copy of its own (about 300 bytes each). The record is
 * read on every admission all the same: a change applies to the next one.
 */
const lastSeen = new Map<string, Agent>();

function shared(agent: Agent): Agent {
  const last = lastSeen.get(agent.id);
  if (last !== undefined && sameRecord(last, agent)) return last;
  if (lastSeen.size >= 4_096) lastSeen.clear();
  const kept = Object.freeze({ ...agent, allowHosts: Object.freeze([...agent.allowHosts]) as string[] });
  lastSeen.set(agent.id, kept);
  return kept;
}

/** The same own fields, each equal (`===`, or arrays of equal items), whatever fields a record has. */
function sameRecord(a: object, b: object): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => {
    const x: unknown = (a as Record<string, unknown>)[k];
    const y: unknown = (b as Record<string, unknown>)[k];
    if (!Object.hasOwn(b, k)) return false;
    if (x === y) return true;
    return Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, i) => v === y[i]);
  });
}

/**
 * Admits a destination (CONNECT and absolute-form http:// alike), in this order, each step only
 * once the one before has passed:
 *   1. identity: the agent named by the proxy credentials (407 without);
 *   2. the target the caller parsed (400 when it could not);
 *   3. the agent's allowlist (403 `not_in_allowlist`; in egress mode `ask`, a host off the list
 *      waits for a person: allowed once or always, else 403 `manual_approval_denied`);
 *   4. policy, through `decideRequest`: a plain-HTTP request may be held for approval; a tunnel
 *      is judged once, as `CONNECT /`; a TLS-terminated host is judged per request later;
 *   5. the egress guard, which resolves the name only now and returns the address it checked,
 *      the one address that is then dialled.
 * Never throws.
 */
export async function admitDestination(ctx: AdmissionContext, a: AdmissionRequest): Promise<Admission> {
  const agent = identify(ctx, a.proxyAuthorization);
  if (!agent) return refuse({ error: proxyAuthRequired(), reason: 'proxy_auth_required', decision: 'denied' });
  a.rec.agent = agent;
  if (!('host' in a.target)) return refuse(a.target);
  const { host, port } = a.target;
  if (!isAllowedByAllowlist({ agent, secrets: ctx.store.agents.grantedSecrets(agent.id), host })) {
    if (agent.egressPolicy === 'ask') {
      const asked = await askNewHost(ctx, a, { agent, host, port });
      if (asked) return refuse(asked);
    } else {
      const error = blockedByPolicy(`${host} is not on the allowlist of agent ${agent.identifier}`);
      return refuse({ error, reason: 'not_in_allowlist', decision: 'blocked' });
    }
  }
  // Port 80 carries plaintext HTTP (undici tunnels http:// URLs too): nothing to terminate,
  // and a value is never injected into plaintext anyway.
  const intercept =
    a.via === 'connect' && port !== 80 && (hostHasAnySecret(ctx.store.secrets.list(), host) || isKnownCredentialedHost(host));
  if (!intercept) {
    const d = decideRequest(ctx, { agent, host, ...a.policy, inject: false, holdable: a.hold !== undefined });
    if (d.kind === 'hold') {
      if (!(await a.hold!({ agent, host, hold: d.hold }))) return { kind: 'answered' };
    } else if (d.kind !== 'forward') return refuse(d.refusal);
  }
  const checked = await ctx.guard.check(host, port);
  if (!checked.ok) {
    const blocked = checked.status === 403;
    const error = blocked ? blockedByPolicy(checked.message) : badGateway(checked.message);
    return refuse({ error, reason: checked.reason, decision: blocked ? 'blocked' : 'error' });
  }
  return { kind: 'admit', agent, host, port, address: checked.address, family: checked.family, intercept };
}

/** Egress mode `ask`: null once a person allowed the host (once or always), else the refusal. */
async function askNewHost(ctx: AdmissionContext, a: AdmissionRequest, d: { agent: Agent; host: string; port: number }): Promise<Refusal | null> {
  const plain = a.via === 'http';
  const method = plain ? a.policy.method : 'CONNECT';
  const outcome = await ctx.newHosts.ask({ ...d, method, ...(plain ? { path: pathForAudit(a.policy.path) } : {}) }, a.signal());
  if (outcome.decision === 'approved') return null;
  const what = `${method} ${d.host}:${d.port} (a host agent ${d.agent.identifier} has not used)`;
  return { error: approvalDenied(outcome, what), reason: `new_host_${outcome.decision}:${outcome.approvalId}`, decision: 'denied' };
}

function refuse(refusal: Refusal): Admission {
  return { kind: 'refuse', refusal };
}
