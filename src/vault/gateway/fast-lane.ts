import { startRecord, type RequestRecord } from './audit-recorder.js';
import { decideRequest, type Injection, type RequestDecision } from './decide-request.js';
import type { EchoForms } from './echo-scanner.js';
import type { GatewayContext, MitmConnection } from './gateway-context.js';
import { INJECTED_REQUEST } from './injected-request.js';
import { messageHead } from './message-head.js';
import { poolKey, type PoolKey } from './pool-key.js';
import { laneRefusal } from './request-refusal.js';
import { upstreamTarget } from './upstream-target.js';
import { carryOnUpstreamExchange } from './upstream-exchange.js';
import type { PooledConnection } from './upstream-client.js';
import type { AgentResponse } from './agent-exchange.js';
import type { LaneDecision, LaneOutcome, LaneTakeover } from './native-tls/binding.js';

/**
 * The JavaScript side of the fast lane (native/tls-transport/lane.cc): the addon forwards an
 * agent's ordinary requests itself and asks here what `decideRequest` decides (which secret,
 * whether policy allows it, the field to set), then reports the outcome for the audit row.
 * Anything else stays on the JavaScript path, which has the final word: a request the lane does
 * not take arrives there untouched, with the decision made here handed over as it is, so that
 * a rate limit is not counted twice.
 */

/** What a fast-lane exchange in flight needs on this side. */
export interface LaneExchange {
  rec: RequestRecord;
  pooled: PooledConnection;
  owner: PoolKey;
  injected: EchoForms;
  /** Told of the status (after a 401 an `oauth2` token is renewed before its next use; the lane cannot resend this request). */
  credential: Injection;
}

// The lane's part of a decision, built once per injection (which lives as long as its cached value).
const plans = new WeakMap<Injection, LaneDecision | null>();

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
 * The lane's decision for an injection into one header; null when the lane must leave it to the
 * JavaScript path (a query parameter, or a field it would refuse).
 */
function decisionFor(injection: Injection): LaneDecision | null {
  const { target } = injection;
  if (target.kind !== 'header') return null;
  try {
    // The same check the JavaScript path makes when it writes the head.
    messageHead('', [target.name, target.value]);
    // latin1, as the JavaScript path writes heads. The fields every injected request gets
    // (injected-request.ts) follow the value's own, and their names are dropped where the agent sent them.
    const lines = [`${target.name}: ${target.value}`, ...INJECTED_REQUEST.set.map(([name, v]) => `${name}: ${v}`)];
    const remove = [...target.remove, ...INJECTED_REQUEST.drop, ...INJECTED_REQUEST.set.map(([name]) => name)];
    return [0, Buffer.from(lines.join('\r\n'), 'latin1'), Buffer.from(remove.join('\n'), 'latin1'), packForms(injection.forms)];
  } catch {
    return null;
  }
}

function planFor(injection: Injection): LaneDecision | null {
  let decision = plans.get(injection);
  if (decision === undefined) {
    decision = decisionFor(injection);
    plans.set(injection, decision);
  }
  return decision;
}

/**
 * Decides an ordinary request the lane holds, once (`decideRequest`): forwarded by the lane (its
 * part of the decision and the exchange to remember), or served by the JavaScript path with the
 * decision handed over as it is (`decided`: a rate limit is counted once, the grants are looked
 * up once), or left entirely to that path (null: a request `refusal` refuses there).
 */
export function decideLane(
  ctx: GatewayContext,
  conn: MitmConnection,
  method: string,
  target: string,
): { decision: LaneDecision; exchange: LaneExchange } | { decided: RequestDecision } | null {
  if (laneRefusal(conn, target) !== null) return null;
  const decided = decideRequest(ctx, { agent: conn.agent, host: conn.host, method, path: target, inject: true, holdable: true });
  const injection = decided.kind === 'forward' ? decided.injection : null;
  const decision = injection ? planFor(injection) : null;
  const owner = injection ? poolKey({ agentId: conn.agent.id, secretId: injection.secret.id }) : null;
  const pooled = decision && owner ? ctx.pool.laneConnection(upstreamTarget(ctx, conn), owner) : null;
  if (!injection || !decision || !owner || !pooled) return { decided };
  const rec = startRecord({ agent: conn.agent, method, host: conn.host, path: target });
  rec.secretName = injection.secret.name;
  rec.decision = 'injected';
  ctx.usage.mark(injection.secret.id);
  ctx.lane.forwarded++;
  decision[0] = pooled.socket.nativeId!;
  return { decision, exchange: { rec, pooled, owner, injected: injection.forms, credential: injection } };
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
  if (status !== 0) ctx.grants.answered(x.credential.secret, x.credential.value, status);
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
  const [received, sentHead, stopped, upstream] = o.takeover;
  const { rec, pooled } = x;
  rec.bytesIn = o.bytesIn;
  ctx.lane.takenOver++;
  const target = upstreamTarget(ctx, conn);
  const call = { target, owner: x.owner, method: rec.method, path: rec.path, headers: [] };
  // Upstream 0: the lane found the pooled connection unusable (or another exchange's) and sent
  // nothing on it; `sentHead` is then the whole request, sent here on a connection of our own.
  // The pooled one is left alone: if it failed, its own events retire it.
  const unsent = upstream === 0;
  carryOnUpstreamExchange(
    ctx,
    { res: o.res, rec, injected: x.injected, notConnectedHost: null, credential: x.credential },
    {
      adopt: (events) =>
        unsent
          ? ctx.pool.call({ ...call, body: 'none', events, rawHead: sentHead })
          : ctx.pool.adoptCall(pooled, { ...call, body: o.bytesIn > 0 ? 'length' : 'none', events, rawHead: sentHead }),
      received: unsent ? Buffer.alloc(0) : received,
      stopped: unsent ? undefined : stopped,
    },
  );
}
