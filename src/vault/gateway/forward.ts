import type { ClientRequest } from 'node:http';
import type { AgentRequest, AgentResponse } from './agent-exchange.js';
import { errorMessage } from '../../common/errors.js';
import { applyInjection } from '../inject/apply-injection.js';
import { withoutPlaceholders } from '../inject/placeholder.js';
import { parseHostPort } from '../inject/host-pattern.js';
import type { Secret } from '../model.js';
import { carriesOwnCredential } from './own-credential.js';
import { holdForApproval } from './approval-hold.js';
import { startRecord, type RequestRecord } from './audit-recorder.js';
import type { EchoForms } from './echo-scanner.js';
import { runUpstreamExchange } from './upstream-exchange.js';
import type { DialTarget } from './upstream-client.js';
import { flattenHeaders } from './message-head.js';
import { upstreamRequestHeaders, type HeaderMap } from './forward-headers.js';
import {
  badGateway,
  badRequest,
  misdirected,
  sendGatewayError,
  type GatewayError,
} from './gateway-errors.js';
import type { GatewayContext, MitmConnection } from './gateway-context.js';
import { framingProblem } from './request-checks.js';
import type { Decided } from './native-tls/fast-lane.js';

const targets = new WeakMap<MitmConnection, DialTarget>();

/** Where requests on a TLS-terminated connection go: its checked address, worked out once per connection. */
export function upstreamTarget(ctx: GatewayContext, conn: MitmConnection): DialTarget {
  let target = targets.get(conn);
  if (!target) {
    target = ctx.pool.dialTarget({ address: conn.address, family: conn.family, port: conn.port, hostname: conn.host });
    targets.set(conn, target);
  }
  return target;
}

/** Why a request on a TLS-terminated connection must not be forwarded at all, or null. */
export function refusal(conn: MitmConnection, req: AgentRequest): { error: GatewayError; reason: string } | null {
  if (conn.sniMismatch !== null) {
    return {
      error: misdirected(`TLS name ${conn.sniMismatch} does not match the CONNECT host ${conn.host}`),
      reason: 'sni_mismatch',
    };
  }
  const framing = framingProblem(req.rawHeaders, req.httpVersionMajor);
  if (framing) return { error: badRequest(`request refused: ${framing}`), reason: 'bad_framing' };
  const hostHeader = req.headers.host;
  if (hostHeader === undefined || hostHeader !== conn.acceptedHost) {
    const target = parseHostPort(hostHeader ?? '', 443);
    if (!target || target.host !== conn.host || target.port !== conn.port) {
      return {
        error: misdirected(`Host ${hostHeader ?? '(none)'} does not match the CONNECT host ${conn.host}:${conn.port}`),
        reason: 'host_mismatch',
      };
    }
    conn.acceptedHost = hostHeader ?? null;
  }
  if (!req.url?.startsWith('/')) {
    return { error: badRequest('request target must be a path (origin-form)'), reason: 'bad_target' };
  }
  return null;
}

/** Answers a request the gateway refuses itself and audits it. */
export function refuse(
  ctx: GatewayContext,
  res: AgentResponse,
  rec: RequestRecord,
  r: { error: GatewayError; reason: string; decision?: RequestRecord['decision']; close?: boolean },
): void {
  rec.status = r.error.status;
  rec.decision = r.decision ?? 'denied';
  rec.reason = r.reason;
  sendGatewayError(res, r.error, r.close ?? false);
  res.once('close', () => ctx.audit.record(rec));
}

/** The request headers and path to send upstream, with the secret (if any) applied. */
export function prepareUpstream(
  ctx: GatewayContext,
  req: AgentRequest,
  secret: Secret | null,
  options: { upgrade?: boolean } = {},
): { headers: HeaderMap; path: string; injected: EchoForms | null } {
  const headers = upstreamRequestHeaders(req.headers, options);
  const path = req.url ?? '/';
  const revealed = secret ? ctx.grants.reveal(secret) : null;
  if (!secret || !revealed) return { headers: withoutPlaceholders(headers), path, injected: null };
  const applied = applyInjection({ secret, value: revealed.value, headers, path, host: req.headers.host ?? '' });
  return { headers: applied.headers, path: applied.path, injected: revealed.forms };
}

/** Records in the audit row (and the secret's last use) that a value was injected. */
function markInjected(
  ctx: GatewayContext,
  rec: RequestRecord,
  secret: Secret | null,
  prepared: ReturnType<typeof prepareUpstream>,
): void {
  if (prepared.injected !== null && secret) {
    rec.secretName = secret.name;
    rec.decision = 'injected';
    ctx.usage.mark(secret.id);
  }
}

/** Records what was injected and opens the request to the CONNECT target's checked address (upgrades). */
export function openUpstream(
  ctx: GatewayContext,
  conn: MitmConnection,
  o: { rec: RequestRecord; secret: Secret | null; prepared: ReturnType<typeof prepareUpstream> },
): ClientRequest {
  const { rec, secret, prepared } = o;
  markInjected(ctx, rec, secret, prepared);
  return ctx.pool.request({
    tls: true,
    address: conn.address,
    family: conn.family,
    port: conn.port,
    hostname: conn.host,
    method: rec.method,
    path: prepared.path,
    headers: prepared.headers,
  });
}

/**
 * Handles one request inside a TLS-terminated CONNECT: checks the Host, picks the agent's
 * secret for this host and path, applies policy, injects, and streams the exchange. `decided`:
 * the secret and policy verdict the fast lane already found for this very request.
 */
export function forwardMitmRequest(
  ctx: GatewayContext,
  conn: MitmConnection,
  req: AgentRequest,
  res: AgentResponse,
  decided: Decided | null = null,
): void {
  const method = req.method ?? 'GET';
  const rec = startRecord({
    agent: conn.agent,
    method,
    host: conn.host,
    path: req.url ?? '',
  });
  const refused = refusal(conn, req);
  if (refused) {
    refuse(ctx, res, rec, { ...refused, close: true });
    req.resume();
    return;
  }
  const secret = decided ? decided.secret : ctx.grants.select(conn.agent.id, conn.host, rec.path);
  const verdict = decided
    ? decided.verdict
    : ctx.policy.checkOrHold({ agent: conn.agent, host: conn.host, method, path: rec.path, secretId: secret?.id ?? null });
  if (verdict && 'hold' in verdict) {
    rec.secretName = secret?.name ?? null;
    const held = { req, res, rec, agent: conn.agent, secret, host: conn.host, hold: verdict };
    holdForApproval(ctx, held)
      .then((approved) => approved && forwardAllowed(ctx, conn, { req, res, rec, secret }))
      .catch((err: unknown) => {
        ctx.logger.error('Forwarding an approved request failed', { host: conn.host, error: errorMessage(err) });
        res.destroy();
      });
    return;
  }
  if (verdict) {
    rec.secretName = secret?.name ?? null;
    refuse(ctx, res, rec, { error: verdict.error, reason: verdict.reason, decision: verdict.decision });
    req.resume();
    return;
  }
  forwardAllowed(ctx, conn, { req, res, rec, secret });
}

/** Injects and streams a request that passed the checks (or was approved). */
function forwardAllowed(
  ctx: GatewayContext,
  conn: MitmConnection,
  o: { req: AgentRequest; res: AgentResponse; rec: RequestRecord; secret: Secret | null },
): void {
  const { req, res, rec, secret } = o;
  let prepared: ReturnType<typeof prepareUpstream>;
  try {
    prepared = prepareUpstream(ctx, req, secret);
  } catch (err) {
    refuse(ctx, res, rec, { error: badGateway(errorMessage(err)), reason: 'injection_failed', decision: 'error' });
    req.resume();
    return;
  }
  markInjected(ctx, rec, secret, prepared);
  const ownCredential = prepared.injected === null && carriesOwnCredential(req.headers);
  runUpstreamExchange(ctx, {
    req,
    res,
    rec,
    target: upstreamTarget(ctx, conn),
    path: prepared.path,
    headers: flattenHeaders(prepared.headers),
    injected: prepared.injected,
    notConnectedHost: ownCredential ? null : conn.host,
  });
}
