import type { IncomingMessage, ServerResponse } from 'node:http';
import { holdForApproval } from './approval-hold.js';
import { parseHostPort } from '../inject/host-pattern.js';
import { admitDestination } from './admit-destination.js';
import { startRecord } from './audit-recorder.js';
import type { Refusal } from './decide-request.js';
import { runExchange } from './exchange.js';
import { upstreamRequestHeaders } from './forward-headers.js';
import { refuse } from './forward.js';
import { badRequest } from './gateway-errors.js';
import type { GatewayContext } from './gateway-context.js';
import { poolKey } from './pool-key.js';
import { framingRefusal } from './request-refusal.js';

/** `http://authority/path?query` split without URL parsing quirks; null when not absolute-form http. */
export function splitAbsoluteHttp(url: string): { authority: string; path: string } | null {
  if (url.slice(0, 7).toLowerCase() !== 'http://') return null;
  const rest = url.slice(7);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  let path = end < 0 ? '/' : rest.slice(end);
  if (path.startsWith('?')) path = `/${path}`;
  const hash = path.indexOf('#');
  if (hash >= 0) path = path.slice(0, hash);
  return { authority, path };
}

/** The destination of an absolute-form request, or why it cannot be served (its framing included). */
function plainTarget(req: IncomingMessage, target: { host: string; port: number } | null): { host: string; port: number } | Refusal {
  if (!target) {
    const error = badRequest('the gateway is a proxy: send CONNECT or an absolute http:// URL');
    return { error, reason: 'bad_target', decision: 'denied' };
  }
  return framingRefusal(req) ?? target;
}

/**
 * Forwards an absolute-form `http://` request. Never injects (a credential never travels in
 * plaintext), but admits its destination as a CONNECT's is (`admitDestination`; this request's
 * policy may hold it for approval) and audits like any other request.
 */
export async function forwardPlainHttp(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const split = splitAbsoluteHttp(req.url ?? '');
  const target = split ? parseHostPort(split.authority, 80) : null;
  const rec = startRecord({
    agent: null,
    method,
    host: target?.host ?? '',
    path: split?.path ?? (req.url ?? '').slice(0, 2048),
  });
  const path = split?.path ?? '/';
  const left = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) left.abort();
  });
  const admission = await admitDestination(ctx, {
    proxyAuthorization: req.headers['proxy-authorization'],
    via: 'http',
    signal: () => left.signal,
    target: plainTarget(req, target),
    policy: { method, path, headers: req.headers },
    hold: ({ agent, host, hold }) => holdForApproval(ctx, { req, res, rec, agent, secret: null, host, hold }),
    rec,
  });
  if (admission.kind === 'answered') return;
  if (admission.kind === 'refuse') {
    refuse(ctx, res, rec, admission.refusal);
    req.resume();
    return;
  }
  const { agent, host, port, address, family } = admission;
  const headers = upstreamRequestHeaders(req.rawHeaders);
  headers.host = split?.authority ?? host;
  const owner = poolKey({ agentId: agent.id, secretId: null });
  const upReq = ctx.pool.request({ owner, tls: false, address, family, port, hostname: host, method, path, headers });
  runExchange(ctx, { req, res, upReq, rec, injected: null, notConnectedHost: null });
}
