import type { Secret } from '../../model.js';
import { injectionTarget } from '../../inject/apply-injection.js';
import { startRecord, type RequestRecord } from '../audit-recorder.js';
import type { EchoForms } from '../echo-scanner.js';
import type { GatewayContext, MitmConnection } from '../gateway-context.js';
import type { Revealed } from '../grant-cache.js';
import { INJECTED_REQUEST } from '../injected-request.js';
import { messageHead } from '../message-head.js';
import type { PolicyHold, PolicyRefusal } from '../policy-gate.js';
import { upstreamTarget } from '../forward.js';
import { carryOnUpstreamExchange } from '../upstream-exchange.js';
import type { PooledConnection } from '../upstream-client.js';
import type { AgentResponse } from '../agent-exchange.js';
import type { LaneDecision, LaneOutcome, LaneTakeover } from './binding.js';

/**
 * The JavaScript side of the fast lane (native/tls-transport/lane.cc): the addon forwards an
 * agent's ordinary requests itself and asks here only what the JavaScript path would decide
 * (which secret, whether policy allows it, the field to set), then reports the outcome for the
 * audit row. Anything else stays on the JavaScript path, which has the final word: a request the
 * lane does not take arrives there untouched, with the decision already made here carried over
 * so that a rate limit is not counted twice.
 */

/** What a fast-lane exchange in flight needs on this side. */
export interface LaneExchange {
  rec: RequestRecord;
  pooled: PooledConnection;
  injected: EchoForms;
}

/** The secret and policy verdict found here for a request the JavaScript path then serves. */
export interface Decided {
  secret: Secret | null;
  verdict: PolicyRefusal | PolicyHold | null;
}

/** The fixed part of a decision for one revealed value of one secret, built once per grant refresh. */
interface LanePlan {
  secret: Secret;
  decision: LaneDecision | null;
}

const plans = new WeakMap<Revealed, LanePlan>();

/**
 * Each form as a 4-byte little-endian length and its bytes, as lane-forward.cc reads them; the
 * length's top bit marks the forms the scanner searches first (`EchoForms.search`).
 */
function packForms(forms: EchoForms): Buffer {
  const parts: Buffer[] = [];
  const search = new Set(forms.search);
  for (const bytes of forms.bytes) {
    const length = Buffer.alloc(4);
    length.writeUInt32LE((bytes.length | (search.has(bytes) ? 0x80000000 : 0)) >>> 0);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}

/**
 * The decision template for a secret whose value goes into one header; null when the lane must
 * leave it to the JavaScript path (a query parameter, or a value or field it would refuse).
 */
function decisionFor(secret: Secret, revealed: Revealed): LaneDecision | null {
  const value = revealed.value;
  if (value.length === 0 || /[\r\n\0]/.test(value)) return null;
  try {
    const target = injectionTarget(secret, value);
    if (target.kind !== 'header') return null;
    // The same check the JavaScript path makes when it writes the head.
    messageHead('', [target.name, target.value]);
    // latin1, as the JavaScript path writes heads. The fields every injected request gets
    // (injected-request.ts) follow the value's own, and their names are dropped where the agent sent them.
    const lines = [`${target.name}: ${target.value}`, ...INJECTED_REQUEST.set.map(([name, v]) => `${name}: ${v}`)];
    const remove = [...target.remove, ...INJECTED_REQUEST.drop, ...INJECTED_REQUEST.set.map(([name]) => name)];
    return [0, Buffer.from(lines.join('\r\n'), 'latin1'), Buffer.from(remove.join('\n'), 'latin1'), packForms(revealed.forms)];
  } catch {
    return null;
  }
}

function planFor(secret: Secret, revealed: Revealed): LaneDecision | null {
  const hit = plans.get(revealed);
  if (hit && hit.secret === secret) return hit.decision;
  const decision = decisionFor(secret, revealed);
  plans.set(revealed, { secret, decision });
  return decision;
}

/**
 * Decides an ordinary request the lane holds, once: forwarded by the lane (a decision and the
 * exchange to remember), or served by the JavaScript path with the secret and policy verdict found
 * here (`decided`: a rate limit is counted once, the grants are looked up once), or left entirely
 * to that path (null, a request it refuses anyway).
 */
export function decideLane(
  ctx: GatewayContext,
  conn: MitmConnection,
  method: string,
  target: string,
): { decision: LaneDecision; exchange: LaneExchange } | { decided: Decided } | null {
  if (conn.sniMismatch !== null) return null;
  const secret = ctx.grants.select(conn.agent.id, conn.host, target);
  const verdict = ctx.policy.checkOrHold({ agent: conn.agent, host: conn.host, method, path: target, secretId: secret?.id ?? null });
  const revealed = secret && !verdict ? ctx.grants.reveal(secret) : null;
  const decision = secret && revealed ? planFor(secret, revealed) : null;
  const pooled = decision ? ctx.pool.laneConnection(upstreamTarget(ctx, conn)) : null;
  if (!secret || !revealed || !decision || !pooled) return { decided: { secret, verdict } };
  const rec = startRecord({ agent: conn.agent, method, host: conn.host, path: target });
  rec.secretName = secret.name;
  rec.decision = 'injected';
  ctx.usage.mark(secret.id);
  ctx.lane.forwarded++;
  decision[0] = pooled.socket.nativeId!;
  return { decision, exchange: { rec, pooled, injected: revealed.forms } };
}

// By lane.cc's failure code: 1 the upstream failed mid-response, 2 the agent left, 3 the upstream
// sent bytes after a complete response (the agent has its whole response).
const FAILURES = [null, 'upstream_error', 'client_closed', 'upstream_error'] as const;

/** Audits a finished lane exchange and returns its connection to the pool; true when the agent's connection must go. */
export function finishLane(ctx: GatewayContext, x: LaneExchange, outcome: LaneOutcome): boolean {
  const [status, bytesIn, bytesOut, flags, keepAliveMs] = outcome;
  const code = flags >> 2;
  const failure = code < FAILURES.length ? FAILURES[code]! : 'upstream_error';
  const { rec, pooled } = x;
  rec.status = status === 0 ? null : status;
  rec.bytesIn = bytesIn;
  rec.bytesOut = bytesOut;
  rec.reason = flags & 1 ? 'credential_echo' : failure;
  if (failure === null && flags & 2) {
    // As the JavaScript client does: stop a second before the upstream said it would close.
    if (keepAliveMs >= 0) pooled.expiresAt = performance.now() + keepAliveMs - 1_000;
    ctx.pool.release(pooled);
  } else pooled.socket.destroy();
  ctx.audit.record(rec);
  return failure !== null && code !== 3;
}

/** The agent went away during a lane exchange. */
export function abortLane(ctx: GatewayContext, x: LaneExchange): void {
  x.pooled.socket.destroy();
  x.rec.reason ??= 'client_closed';
  ctx.audit.record(x.rec);
}

/** A response the lane handed over: the JavaScript path carries it on from the bytes read. */
export function takeOverLane(
  ctx: GatewayContext,
  conn: MitmConnection,
  x: LaneExchange,
  o: { takeover: LaneTakeover; bytesIn: number; res: AgentResponse },
): void {
  const [received, sentHead, stopped] = o.takeover;
  const { rec, pooled } = x;
  rec.bytesIn = o.bytesIn;
  ctx.lane.takenOver++;
  const target = upstreamTarget(ctx, conn);
  carryOnUpstreamExchange(
    ctx,
    { res: o.res, rec, injected: x.injected, notConnectedHost: null },
    {
      adopt: (events) =>
        ctx.pool.adoptCall(pooled, {
          target,
          method: rec.method,
          path: rec.path,
          headers: [],
          body: o.bytesIn > 0 ? 'length' : 'none',
          events,
          rawHead: sentHead,
        }),
      received,
      stopped,
    },
  );
}
