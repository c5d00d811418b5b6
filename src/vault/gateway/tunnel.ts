import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorMessage } from '../../common/errors.js';
import type { Agent } from '../model/records.js';
import { badGateway, writeRawGatewayError } from './gateway-errors.js';
import { track, type GatewayContext } from './gateway-context.js';

const CONNECT_TIMEOUT_MS = 15_000;
export const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';

export interface TunnelTarget {
  agent: Agent;
  host: string;
  port: number;
  address: string;
  family: 4 | 6;
  startedAt: number;
}

/**
 * Relays bytes untouched between the agent and exactly the checked address (no TLS
 * termination: the host has no credential to inject). One audit row when both sides close.
 */
export function openTunnel(ctx: GatewayContext, client: Duplex, head: Buffer, t: TunnelTarget): void {
  const upstream = connect({ host: t.address, port: t.port, family: t.family });
  track(ctx, upstream);
  let connected = false;
  let audited = false;
  const audit = (status: number, reason: string | null): void => {
    if (audited) return;
    audited = true;
    ctx.audit.record({
      agent: t.agent,
      method: 'CONNECT',
      host: t.host,
      path: '',
      secretName: null,
      decision: status === 200 ? 'tunnelled' : 'error',
      status,
      bytesIn: upstream.bytesWritten,
      bytesOut: upstream.bytesRead,
      startedAt: t.startedAt,
      reason,
    });
  };
  upstream.setTimeout(CONNECT_TIMEOUT_MS, () => {
    upstream.destroy(new Error(`no connection within ${CONNECT_TIMEOUT_MS / 1000}s`));
  });
  upstream.once('connect', () => {
    connected = true;
    upstream.setTimeout(0);
    upstream.setNoDelay(true);
    client.write(ESTABLISHED);
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  upstream.on('error', (err) => {
    if (!connected) {
      writeRawGatewayError(client, badGateway(`could not connect to ${t.host}:${t.port}: ${errorMessage(err)}`));
      audit(502, 'upstream_unreachable');
      return;
    }
    client.destroy();
  });
  client.on('error', () => upstream.destroy());
  client.once('close', () => {
    upstream.destroy();
    if (connected) audit(200, null);
  });
  upstream.once('close', (hadError) => {
    if (!connected) return;
    if (hadError) client.destroy();
    else {
      client.end();
      // Nothing can be relayed any more: read on so the agent's end of stream is seen and
      // the socket closes, instead of staying half-open and unpiped.
      client.resume();
    }
  });
}
