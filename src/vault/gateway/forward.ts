import type { ClientRequest } from 'node:http';
import type { AgentRequest, AgentResponse } from './agent-exchange.js';
import { errorMessage } from '../../common/errors.js';
import { applyInjection } from '../inject/apply-injection.js';
import { withoutPlaceholders } from '../inject/placeholder.js';
import { carriesOwnCredential } from './own-credential.js';
import { holdForApproval } from './approval-hold.js';
import { startRecord, type RequestRecord } from './audit-recorder.js';
import { decideRequest, forwardWith, type Injection, type Refusal, type RequestDecision } from './decide-request.js';
import type { EchoForms } from './echo-scanner.js';
import { sealInjected, sentForms } from './injected-request.js';
import { runUpstreamExchange } from './upstream-exchange.js';
import { flattenHeaders } from './message-head.js';
import { upstreamRequestHeaders, type HeaderMap } from './forward-headers.js';
import { sendGatewayError } from './gateway-errors.js';
import type { GatewayContext, MitmConnection } from './gateway-context.js';
import { poolKey } from './pool-key.js';
import { refusal } from './request-refusal.js';
import { upstreamTarget } from './upstream-target.js';

/** Answers a request the gateway refuses itself and audits it. */
export function refuse(
  ctx: GatewayContext,
  res: AgentResponse,
  rec: RequestRecord,
  r: Refusal,
): void {
  rec.status = r.error.status;
  rec.decision = r.decision;
  rec.reason = r.reason;
  sendGatewayError(res, r.error, r.close ?? false);
  res.once('close', () => ctx.audit.record(rec));
}

/** The request headers and path to send upstream, with the decided injection (if any) applied. */
export function prepareUpstream(
  req: AgentRequest,
  injection: Injection | null,
  options: { upgrade?: boolean } = {},
): { headers: HeaderMap; path: string; injected: EchoForms | null } {
  const headers = upstreamRequestHeaders(req.rawHeaders, options);
  const path = req.url ?? '/';
  if (!injection) return { headers: withoutPlaceholders(headers), path, injected: null };
  const { secret, value, target } = injection;
  const applied = applyInjection({ secret, value, target, headers, path, host: req.headers.host ?? '' });
  const injected = sentForms({ value, base: injection.forms, before: headers, after: applied.headers });
  sealInjected(applied.headers);
  return { headers: applied.headers, path: applied.path, injected };
}

/** Records in the audit row (and the secret's last use) that a value was injected. */
function markInjected(ctx: GatewayContext, rec: RequestRecord, injection: Injection | null): void {
  if (injection) {
    rec.secretName = injection.secret.name;
    rec.decision = 'injected';
    ctx.usage.mark(injection.secret.id);
  }
}

/** Records what was injected and opens the request to the CONNECT target's checked address (upgrades). */
export function openUpstream(
  ctx: GatewayContext,
  conn: MitmConnection,
  o: { rec: RequestRecord; injection: Injection | null; prepared: ReturnType<typeof prepareUpstream> },
): ClientRequest {
  const { rec, injection, prepared } = o;
  markInjected(ctx, rec, injection);
  return ctx.pool.request({
    owner: poolKey({ agentId: conn.agent.id, secretId: injection?.secret.id ?? null }),
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
 * Handles one request inside a TLS-terminated CONNECT: the request-level checks (`refusal`),
 * then the one decision (`decideRequest`), then refuses, holds or forwards as decided.
 * `decided`: what the fast lane already decided for this very request, consumed as it is.
 */
export function forwardMitmRequest(
  ctx: GatewayContext,
  conn: MitmConnection,
  req: AgentRequest,
  res: AgentResponse,
  decided: RequestDecision | null = null,
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
  const decision =
    decided ??
    decideRequest(ctx, {
      agent: conn.agent,
      host: conn.host,
      method,
      path: rec.path,
      headers: req.headers,
      inject: true,
      holdable: true,
    });
  act(ctx, conn, { req, res, rec }, decision);
}

/** `retried`: sent again after a 401 renewed its `oauth2` token; it is not sent a third time. */
type Exchange = { req: AgentRequest; res: AgentResponse; rec: RequestRecord; retried?: boolean };

/** Carries out a decision: the one place a request on a TLS-terminated connection is refused, held or forwarded. */
function act(ctx: GatewayContext, conn: MitmConnection, x: Exchange, d: RequestDecision): void {
  const { req, res, rec } = x;
  switch (d.kind) {
    case 'forward':
      return forwardAllowed(ctx, conn, x, d.injection);
    case 'hold': {
      rec.secretName = d.secret?.name ?? null;
      const held = { req, res, rec, agent: conn.agent, secret: d.secret, host: conn.host, hold: d.hold };
      holdForApproval(ctx, held)
        .then((approved) => approved && act(ctx, conn, x, forwardWith(ctx, d.secret, conn.host, { wait: true })))
        .catch((err: unknown) => {
          ctx.logger.error('Forwarding an approved request failed', { host: conn.host, error: errorMessage(err) });
          res.destroy();
        });
      return;
    }
    case 'wait':
      // The secret's OAuth token is being renewed; the request (body unread) goes on with the new one.
      d.ready
        .then(() => act(ctx, conn, x, forwardWith(ctx, d.secret, conn.host, { wait: false })))
        .catch((err: unknown) => {
          ctx.logger.error('Forwarding a request after an OAuth refresh failed', { host: conn.host, error: errorMessage(err) });
          res.destroy();
        });
      return;
    default:
      rec.secretName = d.secret?.name ?? null;
      refuse(ctx, res, rec, d.refusal);
      req.resume();
  }
}

/** Injects and streams a request that was decided `forward` (or was approved). */
function forwardAllowed(ctx: GatewayContext, conn: MitmConnection, x: Exchange, injection: Injection | null): void {
  const { req, res, rec } = x;
  const prepared = prepareUpstream(req, injection);
  markInjected(ctx, rec, injection);
  const ownCredential = injection === null && carriesOwnCredential(req.headers);
  runUpstreamExchange(ctx, {
    req,
    res,
    rec,
    target: upstreamTarget(ctx, conn),
    owner: poolKey({ agentId: conn.agent.id, secretId: injection?.secret.id ?? null }),
    path: prepared.path,
    headers: flattenHeaders(prepared.headers),
    injected: prepared.injected,
    notConnectedHost: ownCredential ? null : conn.host,
    credential: injection,
    retryUnauthorized:
      injection?.secret.type === 'oauth2' && !x.retried
        ? () => act(ctx, conn, { ...x, retried: true }, forwardWith(ctx, injection.secret, conn.host, { wait: true }))
        : null,
  });
}
