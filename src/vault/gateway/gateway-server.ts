import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NanoclawError, errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ApprovalGate } from '../approvals/types.js';
import type { LeafCache } from '../ca/leaf-cache.js';
import type { PolicyRule } from '../model/policy-rule.js';
import { VAULT_GATEWAY_PORT } from '../../config/ports.js';
import type { VaultStore } from '../store/types.js';
import { AuditRecorder } from './audit-recorder.js';
import { clientErrorHandler } from './client-error.js';
import { handleConnect } from './connect-handler.js';
import { EgressGuard, type Resolve } from './egress-guard.js';
import { GrantCache } from './grant-cache.js';
import { OAuthRefresher } from '../oauth/oauth-refresher.js';
import { httpsPostForm } from '../oauth/token-endpoint.js';
import type { GatewayContext, LaneCounts } from './gateway-context.js';
import { checkingInterval, MitmTerminator } from './mitm.js';
import { NativeTls } from './native-tls/native-tls.js';
import { NewHostApprovals } from './new-host-approvals.js';
import { forwardPlainHttp } from './plain-http.js';
import { PolicyGate } from './policy-gate.js';
import { UpstreamPool } from './upstream-pool.js';
import { UsageMarker } from './usage-marker.js';

export interface GatewayOptions {
  store: VaultStore;
  leafCache: LeafCache;
  logger: Logger;
  /** Default 0.0.0.0: agents reach it over their Docker network. */
  host?: string;
  /** Default 10255; 0 picks a free port. */
  port?: number;
  /** CA certificates trusted for upstreams besides the bundled roots (NANOCLAW_EXTRA_CA_CERTS). */
  extraCaPem?: string[];
  /** `name:port` or `ip:port` destinations agents may reach although they are private. */
  allowPrivate?: string[];
  policyRules?: () => PolicyRule[];
  /** Holds requests a `manual_approval` rule matches until a person decides; without it they are denied. */
  approvals?: ApprovalGate;
  /** Where `connect_url` points users to add a missing credential. */
  connectUrlBase?: string;
  /** The vault's own addresses, refused like private ones. */
  ownAddresses?: string[];
  /** Name resolution (default: the system resolver); tests map names to their upstream. */
  resolve?: Resolve;
  maxHeaderSize?: number;
  idleTimeoutMs?: number;
  /** A request head must be complete this long after its first byte (default 60 s, as Node's). */
  headersTimeoutMs?: number;
  /**
   * Who terminates TLS on intercepted connections (NANOCLAW_GATEWAY_TLS): `native` (the
   * addon built by `npm run build`), `node` (Node's own TLS), or `auto` (default): native when
   * it is built, else Node's with a warning.
   */
  tls?: GatewayTls;
  /**
   * With the native transport, ordinary requests on intercepted connections are forwarded by the
   * addon itself, JavaScript deciding (default on; off serves every request on the JavaScript path).
   */
  fastLane?: boolean;
}

export type GatewayTls = 'auto' | 'native' | 'node';

/** The native transport when `choice` asks for it and it loads; throws when `native` was required. */
export function chooseTransport(
  choice: GatewayTls,
  logger: Logger,
  load: () => NativeTls | { error: string } = () => NativeTls.load(),
): NativeTls | null {
  if (choice === 'node') return null;
  const loaded = load();
  if (!('error' in loaded)) return loaded;
  if (choice === 'native') {
    throw new NanoclawError('native_tls_unavailable', `The native TLS transport is not available: ${loaded.error}`, {
      hint: 'Build it with: npm run build (needs g++, make and python3), or set NANOCLAW_GATEWAY_TLS=node',
    });
  }
  logger.warn("Native TLS transport unavailable; the gateway uses Node's TLS (slower)", { reason: loaded.error });
  return null;
}

export interface StartedGateway extends AsyncDisposable {
  port: number;
  address: string;
  /** Writes the queued audit rows now (they are otherwise written within ~25 ms). */
  flushAudit(): void;
  /** What the native fast lane has done so far (see native-tls/fast-lane.ts). */
  laneCounts(): LaneCounts;
  close(): Promise<void>;
}

/** Starts the credential-injecting proxy (CONNECT + absolute-form HTTP). */
export async function startGateway(options: GatewayOptions): Promise<StartedGateway> {
  const { store, logger } = options;
  const maxHeaderSize = options.maxHeaderSize ?? 32 * 1024;
  const idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
  const headersTimeoutMs = options.headersTimeoutMs ?? 60_000;
  const native = chooseTransport(options.tls ?? 'auto', logger);
  const ctx: GatewayContext = {
    store,
    leafCache: options.leafCache,
    logger,
    guard: new EgressGuard({
      ...(options.resolve ? { resolve: options.resolve } : {}),
      allowPrivate: options.allowPrivate ?? [],
      ownAddresses: options.ownAddresses ?? [],
    }),
    audit: new AuditRecorder({ store, logger }),
    pool: new UpstreamPool({ extraCaPem: options.extraCaPem ?? [], native }),
    policy: new PolicyGate({
      ...(options.policyRules ? { rules: options.policyRules } : {}),
      // Several vault processes on one Postgres store count each limit together.
      ...(store.rateLimits ? { limiter: store.rateLimits } : {}),
      approvals: options.approvals !== undefined,
    }),
    usage: new UsageMarker({ store, logger }),
    grants: new GrantCache({ store, oauth: new OAuthRefresher({ store: store.secrets, post: httpsPostForm({ extraCaPem: options.extraCaPem ?? [] }), logger }) }),
    connectUrlBase: options.connectUrlBase ?? 'http://127.0.0.1:10254',
    ...(options.approvals ? { approvals: options.approvals } : {}),
    newHosts: new NewHostApprovals({ approvals: options.approvals, logger }),
    sockets: new Set(),
    lane: { forwarded: 0, takenOver: 0 },
  };
  const mitm = new MitmTerminator(ctx, { maxHeaderSize, idleTimeoutMs, headersTimeoutMs, native, fastLane: options.fastLane });
  // Off the first agent's path: the first leaf issued in a process is five times slower.
  setImmediate(() => options.leafCache.prepare()).unref();
  const server = http.createServer({
    maxHeaderSize,
    insecureHTTPParser: false,
    requireHostHeader: true,
    keepAlive: true,
    requestTimeout: 0,
    headersTimeout: headersTimeoutMs,
    connectionsCheckingInterval: checkingInterval(headersTimeoutMs),
  });
  server.keepAliveTimeout = idleTimeoutMs;
  server.on('request', (req, res) => {
    forwardPlainHttp(ctx, req, res).catch((err: unknown) => {
      logger.error('Gateway request failed', { error: errorMessage(err) });
      res.destroy();
    });
  });
  server.on('connect', (req, socket, head) => {
    handleConnect(ctx, mitm, req, socket, head).catch((err: unknown) => {
      logger.error('Gateway CONNECT failed', { error: errorMessage(err) });
      socket.destroy();
    });
  });
  server.on('clientError', clientErrorHandler(ctx, () => ({ agent: null, host: '' })));

  const host = options.host ?? '0.0.0.0';
  logger.info('Starting gateway…', { host, port: options.port ?? VAULT_GATEWAY_PORT, tls: native ? 'native' : 'node' });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new NanoclawError('gateway_listen_failed', `Gateway could not listen on ${host}:${options.port ?? VAULT_GATEWAY_PORT}: ${errorMessage(err)}`, {
          hint: 'Is another vault running? Check with: ncl vault status',
          cause: err,
        }),
      ),
    );
    server.listen(options.port ?? VAULT_GATEWAY_PORT, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  logger.info('Started gateway', { address: bound.address, port: bound.port });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      mitm.server.closeAllConnections();
      for (const socket of ctx.sockets) socket.destroy();
      ctx.pool.destroy();
      mitm.close();
    })
      // Destroyed exchanges queue their rows on 'close', a tick after destroy().
      .then(() => new Promise((r) => setImmediate(r)))
      .then(() => {
        ctx.audit.flush();
        logger.info('Stopped gateway');
      });
    return closing;
  };
  return {
    port: bound.port,
    address: bound.address,
    flushAudit: () => ctx.audit.flush(),
    laneCounts: () => ({ ...ctx.lane }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
