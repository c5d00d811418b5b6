import type { GatewayContext, MitmConnection } from './gateway-context.js';
import type { DialTarget } from './upstream-client.js';

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
