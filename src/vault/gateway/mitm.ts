import http from 'node:http';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { normalizeHost } from '../inject/host-pattern.js';
import { forwardMitmRequest } from './forward.js';
import { withHead } from './head-stream.js';
import { track, type GatewayContext, type MitmConnection } from './gateway-context.js';
import { clientErrorHandler } from './client-error.js';
import { forwardUpgrade } from './websocket.js';

const HANDSHAKE_TIMEOUT_MS = 15_000;

export interface MitmOptions {
  maxHeaderSize: number;
  /** Idle time after which a client connection is closed. */
  idleTimeoutMs: number;
}

/**
 * Terminates the agents' TLS for hosts that may need a credential. One HTTP server, never
 * listening: each TLS socket is handed to it once its handshake is done, and the connection
 * it belongs to is looked up by socket.
 */
export class MitmTerminator {
  private readonly ctx: GatewayContext;
  private readonly connections = new WeakMap<object, MitmConnection>();
  readonly server: http.Server;

  constructor(ctx: GatewayContext, options: MitmOptions) {
    this.ctx = ctx;
    this.server = http.createServer({
      maxHeaderSize: options.maxHeaderSize,
      insecureHTTPParser: false,
      requireHostHeader: true,
      keepAlive: true,
      // The gateway streams long uploads and SSE: no whole-request deadline, only idleness.
      requestTimeout: 0,
    });
    this.server.timeout = options.idleTimeoutMs;
    this.server.keepAliveTimeout = options.idleTimeoutMs;
    this.server.on('request', (req, res) => {
      const conn = this.connections.get(req.socket);
      if (conn) forwardMitmRequest(ctx, conn, req, res);
      else res.destroy();
    });
    this.server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
      const conn = this.connections.get(req.socket);
      if (conn) forwardUpgrade(ctx, conn, req, socket, head);
      else socket.destroy();
    });
    this.server.on(
      'clientError',
      clientErrorHandler(ctx, (socket) => {
        const conn = this.connections.get(socket);
        return { agent: conn?.agent ?? null, host: conn?.host ?? '' };
      }),
    );
  }

  /** Answers the CONNECT, then runs a TLS server handshake with a leaf for exactly `conn.host`. */
  accept(client: Duplex, head: Buffer, conn: MitmConnection): void {
    // A new host's leaf is issued after the 200 has gone out, while the agent's ClientHello
    // is on its way; `lookup` has already refused what could not be issued.
    const found = this.ctx.leafCache.lookup(conn.host);
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    const secureContext = typeof found === 'function' ? found() : found;
    const socket = new tls.TLSSocket(head.length > 0 ? withHead(client, head) : client, {
      isServer: true,
      secureContext,
      ALPNProtocols: ['http/1.1'],
      SNICallback: (servername, cb) => {
        if (normalizeHost(servername) !== conn.host) conn.sniMismatch = servername.slice(0, 253);
        cb(null, secureContext);
      },
    });
    track(this.ctx, socket);
    const startedAt = performance.now();
    let secure = false;
    const timer = setTimeout(() => socket.destroy(new Error('no TLS handshake within 15s')), HANDSHAKE_TIMEOUT_MS);
    socket.once('secure', () => {
      secure = true;
      clearTimeout(timer);
      this.connections.set(socket, conn);
      this.server.emit('connection', socket);
    });
    let failure: string | null = null;
    socket.on('error', (err) => {
      failure ??= err.message;
      socket.destroy();
    });
    socket.once('close', () => {
      clearTimeout(timer);
      if (!secure) this.handshakeFailed(conn, startedAt, failure ?? 'closed by the agent');
    });
  }

  /** Usually the agent does not trust the vault CA: worth a row, since no request will follow. */
  private handshakeFailed(conn: MitmConnection, startedAt: number, why: string): void {
    this.ctx.logger.debug('Agent TLS handshake failed', { host: conn.host, error: why });
    this.ctx.audit.record({
      agent: conn.agent,
      method: 'CONNECT',
      host: conn.host,
      path: '',
      secretName: null,
      decision: 'error',
      status: null,
      bytesIn: 0,
      bytesOut: 0,
      startedAt,
      reason: 'tls_handshake_failed',
    });
  }
}
