import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAllowedByAllowlist } from '../inject/allowlist.js';
import { holdForApproval } from './approval-hold.js';
import { parseHostPort } from '../inject/host-pattern.js';
import { startRecord } from './audit-recorder.js';
import { authenticate } from './connect-handler.js';
import { runExchange } from './exchange.js';
import { upstreamRequestHeaders } from './forward-headers.js';
import { refuse } from './forward.js';
import { badGateway, badRequest, blockedByPolicy, proxyAuthRequired } from './gateway-errors.js';
import type { GatewayContext } from './gateway-context.js';
import { poolKey } from './pool-key.js';
import { framingProblem } from './request-checks.js';

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

/**
 * Forwards an absolute-form `http://` request. Never injects (a credential never travels in
 * plaintext), but authenticates, applies the agent's egress policy and the egress guard, and
 * audits like any other request.
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
  const stop = (r: Parameters<typeof refuse>[3]): void => {
    refuse(ctx, res, rec, r);
    req.resume();
  };
  const agent = authenticate(ctx, req.headers['proxy-authorization']);
  if (!agent) return stop({ error: proxyAuthRequired(), reason: 'proxy_auth_required' });
  rec.agent = agent;
  if (!split || !target) {
    return stop({ error: badRequest('the gateway is a proxy: send CONNECT or an absolute http:// URL'), reason: 'bad_target' });
  }
  const framing = framingProblem(req.rawHeaders, req.httpVersionMajor);
  if (framing) return stop({ error: badRequest(`request refused: ${framing}`), reason: 'bad_framing', close: true });
  const { host, port } = target;
  if (!isAllowedByAllowlist({ agent, secrets: ctx.store.agents.grantedSecrets(agent.id), host })) {
    return stop({ error: blockedByPolicy(`${host} is not on the allowlist of agent ${agent.identifier}`), reason: 'not_in_allowlist', decision: 'blocked' });
  }
  const verdict = ctx.policy.checkOrHold({ agent, host, method, path: split.path, secretId: null });
  if (verdict && 'hold' in verdict) {
    if (!(await holdForApproval(ctx, { req, res, rec, agent, secret: null, host, hold: verdict }))) return;
  } else if (verdict) return stop(verdict);
  const checked = await ctx.guard.check(host, port);
  if (!checked.ok) {
    const error = checked.status === 403 ? blockedByPolicy(checked.message) : badGateway(checked.message);
    return stop({ error, reason: checked.reason, decision: checked.status === 403 ? 'blocked' : 'error' });
  }
  const headers = upstreamRequestHeaders(req.rawHeaders);
  headers.host = split.authority;
  const upReq = ctx.pool.request({
    owner: poolKey({ agentId: agent.id, secretId: null }),
    tls: false,
    address: checked.address,
    family: checked.family,
    port,
    hostname: host,
    method,
    path: split.path,
    headers,
  });
  runExchange(ctx, { req, res, upReq, rec, injected: null, notConnectedHost: null });
}
