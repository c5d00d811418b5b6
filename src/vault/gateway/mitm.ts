import http from 'node:http';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { forwardMitmRequest } from './forward.js';
import { noteServername } from './request-refusal.js';
import { withHead } from './head-stream.js';
import { track, type GatewayContext, type MitmConnection } from './gateway-context.js';
import { errorMessage } from '../../common/errors.js';
import { auditHandshakeFailed, clientErrorHandler } from './client-error.js';
import { forwardUpgrade } from './websocket.js';
import { NativeAgentConnection } from './native-tls/agent-connection.js';
import { nativeAgentHandlers } from './native-agent-handlers.js';
import { IdleSweeper } from './native-tls/idle-sweeper.js';
import { NativeLeafContexts } from './native-tls/leaf-contexts.js';
import type { NativeTls } from './native-tls/native-tls.js';

const HANDSHAKE_TIMEOUT_MS = 15_000;

export interface MitmOptions {
  maxHeaderSize: number;
  /** Idle time after which a client connection is closed. */
  idleTimeoutMs: number;
  /** A request head must be complete this long after its first byte. */
  headersTimeoutMs: number;
  /** When set, agents' TLS is terminated by the native transport instead of Node's. */
  native?: NativeTls | null;
  /** With the native transport: ordinary requests go through the addon's fast lane (default on). */
  fastLane?: boolean;
}

const CONNECTION_ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';

/** How often Node's HTTP server looks for heads that took too long (its default is 30 s). */
export function checkingInterval(headersTimeoutMs: number): number {
  return Math.max(100, Math.min(30_000, Math.floor(headersTimeoutMs / 2)));
}

/** The descriptor of a TCP socket Node accepted, or null (another kind of stream). */
function descriptorOf(client: Duplex): number | null {
  const fd = (client as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
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
  private readonly options: MitmOptions;
  private readonly nativeContexts: NativeLeafContexts | null;
  private readonly sweeper = new IdleSweeper();
  private nativeHandlers: ReturnType<typeof nativeAgentHandlers> | null = null;

  constructor(ctx: GatewayContext, options: MitmOptions) {
    this.ctx = ctx;
    this.options = options;
    this.nativeContexts = options.native ? new NativeLeafContexts(options.native) : null;
    this.server = http.createServer({
      maxHeaderSize: options.maxHeaderSize,
      insecureHTTPParser: false,
      requireHostHeader: true,
      keepAlive: true,
      // The gateway streams long uploads and SSE: no whole-request deadline, only idleness.
      requestTimeout: 0,
      headersTimeout: options.headersTimeoutMs,
      connectionsCheckingInterval: checkingInterval(options.headersTimeoutMs),
    });
    // Node checks heads against headersTimeout only for a server that has emitted 'listening';
    // this one never listens (it is handed sockets), and without this it had no such deadline.
    this.server.emit('listening');
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
    const fd = descriptorOf(client);
    if (this.options.native && fd !== null) return this.acceptNative(this.options.native, client, fd, head, conn);
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
        noteServername(conn, servername);
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
      if (!secure) auditHandshakeFailed(this.ctx, conn, startedAt, failure ?? 'closed by the agent');
    });
  }

  /**
   * The native transport takes over the agent's socket once the 200 is out: it duplicates the
   * descriptor, and Node's socket is destroyed without having read past the CONNECT (bytes it
   * did read, an early ClientHello, are handed over).
   */
  private acceptNative(native: NativeTls, client: Duplex, fd: number, head: Buffer, conn: MitmConnection): void {
    this.ctx.leafCache.lookup(conn.host); // throws here, before the 200, for a host no leaf can name
    let leaf: { context: number } | { error: unknown };
    client.write(CONNECTION_ESTABLISHED, () => {
      if (client.destroyed) return;
      const early = client.read() as Buffer | null;
      try {
        if ('error' in leaf) throw leaf.error;
        this.nativeHandlers ??= nativeAgentHandlers(this.ctx);
        const agent = new NativeAgentConnection(this.nativeHandlers, native, {
          sweeper: this.sweeper,
          fd,
          head: early ? Buffer.concat([head, early]) : head,
          context: leaf.context,
          conn,
          maxHeaderSize: this.options.maxHeaderSize,
          idleTimeoutMs: this.options.idleTimeoutMs,
          headersTimeoutMs: this.options.headersTimeoutMs,
          fastLane: this.options.fastLane ?? true,
        });
        track(this.ctx, agent.socket);
      } catch (err) {
        // No leaf, no context or no descriptor: the agent's TLS cannot start; it sees a reset.
        auditHandshakeFailed(this.ctx, conn, performance.now(), errorMessage(err));
      }
      client.destroy();
    });
    // The 200 has gone to the kernel: a new host's leaf and context (~1 ms on this VM) are made
    // while it travels and the agent answers with its ClientHello, not after its write callback.
    try {
      leaf = { context: this.nativeContexts!.contextFor(this.ctx.leafCache.entryFor(conn.host)) };
    } catch (error) {
      leaf = { error };
    }
  }

  /** Stops the head-deadline checks and frees the native leaf contexts (the gateway is closing). */
  close(): void {
    this.server.close(() => undefined); // not listening: only its connection checks stop
    this.nativeContexts?.clear();
  }
}
