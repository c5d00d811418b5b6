import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorMessage } from '../../common/errors.js';
import { parseHostPort } from '../inject/host-pattern.js';
import { admitDestination } from './admit-destination.js';
import { startRecord } from './audit-recorder.js';
import { likelyPoolOwner, type Refusal } from './decide-request.js';
import { badGateway, badRequest, writeRawGatewayError } from './gateway-errors.js';
import { track, type GatewayContext } from './gateway-context.js';
import type { MitmTerminator } from './mitm.js';
import { openTunnel } from './tunnel.js';

/**
 * Handles `CONNECT host:port`: admits the destination (`admitDestination`: identity, allowlist,
 * policy, egress guard), then either terminates TLS (hosts that may need a credential) or tunnels.
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
  const refuse = (r: Refusal): void => {
    writeRawGatewayError(client, r.error);
    ctx.audit.record({ ...rec, status: r.error.status, decision: r.decision, reason: r.reason });
  };
  // Made only if admission waits on a person (egress mode `ask`): an AbortController on every
  // CONNECT, aborted with a DOMException when its connection closed, cost more than the rest of it.
  let left: AbortController | undefined;
  const leftSignal = (): AbortSignal => {
    if (!left) {
      const controller = (left = new AbortController());
      if (client.destroyed) controller.abort();
      else client.once('close', () => controller.abort());
    }
    return left.signal;
  };
  const admission = await admitDestination(ctx, {
    proxyAuthorization: req.headers['proxy-authorization'],
    via: 'connect',
    signal: leftSignal,
    target: target ?? { error: badRequest(`CONNECT target ${rec.host} is not host:port`), reason: 'bad_target', decision: 'denied' },
    // Nothing is ever decrypted for a tunnel, so its policy is decided once, at the CONNECT.
    policy: { method: 'CONNECT', path: '/' },
    rec,
  });
  if (admission.kind === 'refuse') return refuse(admission.refusal);
  if (admission.kind !== 'admit' || client.destroyed) return;
  const { agent, host, port, address, family, intercept } = admission;
  const dest = { agent, host, port, address, family };
  if (!intercept) return openTunnel(ctx, client, head, { ...dest, startedAt: rec.startedAt });
  // Dial the upstream while the agent's TLS handshake with us runs, not after it.
  ctx.pool.warmUp({ address, family, port, hostname: host }, likelyPoolOwner(ctx, agent, host));
  try {
    mitm.accept(client, head, { ...dest, sniMismatch: null, acceptedHost: null });
  } catch (err) {
    refuse({ error: badGateway(`cannot intercept ${host}: ${errorMessage(err)}`), reason: 'leaf_failed', decision: 'error' });
  }
}
