import type { Logger } from '../../common/logger.js';
import type { ApprovalGate } from '../approvals/types.js';
import type { LeafCache } from '../ca/leaf-cache.js';
import type { Agent } from '../model/records.js';
import type { VaultStore } from '../store/types.js';
import type { AuditRecorder } from './audit-recorder.js';
import type { EgressGuard } from './egress-guard.js';
import type { GrantCache } from './grant-cache.js';
import type { NewHostApprovals } from './new-host-approvals.js';
import type { PolicyGate } from './policy-gate.js';
import type { UpstreamPool } from './upstream-pool.js';
import type { UsageMarker } from './usage-marker.js';

/** Everything the gateway's handlers share; built once by `startGateway`. */
export interface GatewayContext {
  store: VaultStore;
  leafCache: LeafCache;
  logger: Logger;
  guard: EgressGuard;
  audit: AuditRecorder;
  pool: UpstreamPool;
  policy: PolicyGate;
  usage: UsageMarker;
  grants: GrantCache;
  connectUrlBase: string;
  /** Holds requests a `manual_approval` rule matches; without it they are denied. */
  approvals?: ApprovalGate;
  /** Egress mode `ask`: the approvals of new hosts, shared by the requests waiting on each. */
  newHosts: NewHostApprovals;
  /** Client and upstream connections still open, destroyed by `close()`. */
  sockets: Set<Closable>;
  /** Requests the native fast lane forwarded, and responses of those it handed to JavaScript. */
  lane: LaneCounts;
}

export interface LaneCounts {
  forwarded: number;
  takenOver: number;
}

/** A connection `close()` can end: a Node socket, or a native connection's view. */
export interface Closable {
  destroy(): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** One CONNECT tunnel whose TLS the gateway terminates. */
export interface MitmConnection {
  agent: Agent;
  /** The CONNECT target: the only host requests on this connection may address. */
  host: string;
  port: number;
  /** The address the egress guard checked for `host`. */
  address: string;
  family: 4 | 6;
  /** The SNI name when it differed from `host`: every request is then refused. */
  sniMismatch: string | null;
  /** The last Host header value found to name `host:port`, so keep-alive requests skip parsing it. */
  acceptedHost: string | null;
}

/** Remembers a socket until it closes, so `close()` can end every open connection. */
export function track(ctx: GatewayContext, socket: Closable): void {
  ctx.sockets.add(socket);
  socket.once('close', () => ctx.sockets.delete(socket));
}
