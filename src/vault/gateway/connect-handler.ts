import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorMessage } from '../../common/errors.js';
import { isAllowedByAllowlist } from '../inject/allowlist.js';
import { parseHostPort } from '../inject/host-pattern.js';
import { isKnownCredentialedHost } from '../inject/known-hosts.js';
import { hostHasAnySecret } from '../inject/select-secret.js';
import type { Agent } from '../model.js';
import { startRecord, type RequestRecord } from './audit-recorder.js';
import {
  badGateway,
  badRequest,
  blockedByPolicy,
  proxyAuthRequired,
  writeRawGatewayError,
  type GatewayError,
} from './gateway-errors.js';
import { track, type GatewayContext } from './gateway-context.js';
import type { MitmTerminator } from './mitm.js';
import { poolKey } from './pool-key.js';
import { tokenFromProxyAuthorization } from './proxy-auth.js';
import { openTunnel } from './tunnel.js';

/** The agent named by a request's `Proxy-Authorization`, or null. Never throws. */
export function authenticate(ctx: GatewayContext, header: string | string[] | undefined): Agent | null {
  const token = tokenFromProxyAuthorization(header);
  if (!token) return null;
  try {
    return ctx.store.agents.findByToken(token);
  } catch (err) {
    ctx.logger.warn('Agent lookup failed', { error: errorMessage(err) });
    return null;
  }
}

/**
 * Handles `CONNECT host:port`: authenticates the agent, applies its egress policy and the
 * egress guard, then either terminates TLS (hosts that may need a credential) or tunnels.
 */
export async function handleConnect(
  ctx: GatewayContext,
  mitm: MitmTerminator,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
): Promise<void> {
  track(ctx, client);
  client.on('error', () => client.destroy());
  const target = parseHostPort(req.url ?? '', 443);
  const rec = startRecord({
    agent: null,
    method: 'CONNECT',
    host: target?.host ?? (req.url ?? '').slice(0, 253),
    path: '',
    decision: 'denied',
  });
  const refuse = (error: GatewayError, reason: string, decision: RequestRecord['decision'] = 'denied'): void => {
    writeRawGatewayError(client, error);
    ctx.audit.record({ ...rec, status: error.status, decision, reason });
  };
  const agent = authenticate(ctx, req.headers['proxy-authorization']);
  if (!agent) return refuse(proxyAuthRequired(), 'proxy_auth_required');
  rec.agent = agent;
  if (!target) return refuse(badRequest(`CONNECT target ${rec.host} is not host:port`), 'bad_target');
  const { host, port } = target;
  if (!isAllowedByAllowlist({ agent, secrets: ctx.store.agents.grantedSecrets(agent.id), host })) {
    return refuse(
      blockedByPolicy(`${host} is not on the allowlist of agent ${agent.identifier}`),
      'not_in_allowlist',
      'blocked',
    );
  }
  // Port 80 carries plaintext HTTP (undici tunnels http:// URLs too): nothing to terminate,
  // and a value is never injected into plaintext anyway.
  const intercept = port !== 80 && (hostHasAnySecret(ctx.store.secrets.list(), host) || isKnownCredentialedHost(host));
  if (!intercept) {
    // Nothing is ever decrypted for a tunnel, so its policy is decided once, here.
    const verdict = ctx.policy.check({ agent, host, method: 'CONNECT', path: '/', secretId: null });
    if (verdict) return refuse(verdict.error, verdict.reason, verdict.decision);
  }
  const checked = await ctx.guard.check(host, port);
  if (client.destroyed) return;
  if (!checked.ok) {
    const error = checked.status === 403 ? blockedByPolicy(checked.message) : badGateway(checked.message);
    return refuse(error, checked.reason, checked.status === 403 ? 'blocked' : 'error');
  }
  const dest = { agent, host, port, address: checked.address, family: checked.family };
  if (!intercept) return openTunnel(ctx, client, head, { ...dest, startedAt: rec.startedAt });
  // Dial the upstream while the agent's TLS handshake with us runs, not after it: for the
  // secret its requests most likely carry (the one for any path).
  const owner = poolKey({ agentId: agent.id, secretId: ctx.grants.select(agent.id, host, '/')?.id ?? null });
  ctx.pool.warmUp({ address: checked.address, family: checked.family, port, hostname: host }, owner);
  try {
    mitm.accept(client, head, { ...dest, sniMismatch: null, acceptedHost: null });
  } catch (err) {
    refuse(badGateway(`cannot intercept ${host}: ${errorMessage(err)}`), 'leaf_failed', 'error');
  }
}
