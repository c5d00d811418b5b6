import tls from 'node:tls';
import type { NativeTls } from './native-tls/native-tls.js';
import { NativeUpstreamSocket } from './native-tls/upstream-socket.js';
import { PairCache } from './pair-cache.js';
import type { PoolKey } from './pool-key.js';
import type { UpstreamSocket } from './upstream-socket.js';
import { PooledConnection, requestHead, UpstreamCall, type CallOptions, type ConnectionSource, type DialTarget } from './upstream-call.js';

export type { BodyFraming, CallOptions, DialTarget } from './upstream-call.js';
export { PooledConnection, requestHead, UpstreamCall } from './upstream-call.js';

/**
 * The gateway's own HTTP/1.1 client for TLS-terminated requests: pooled, verified TLS
 * connections to exactly the checked address (calls in upstream-call.ts). It does a fraction
 * of the work of `https.request` (no ClientRequest, IncomingMessage or Agent bookkeeping per
 * request), which was most of what forwarding a small request cost.
 */

const MAX_SESSIONS = 256;

/**
 * Keep-alive TLS connections per owner (pool-key.ts) and (address, port, name), most recently
 * used first, with TLS sessions kept (per owner too) for quick reconnects. `warmUp` dials ahead of the first request.
 */
export class UpstreamClient implements ConnectionSource {
  private readonly secureContext: tls.SecureContext;
  private readonly maxFree: number;
  private readonly free = new Map<string, PooledConnection[]>();
  private readonly warming = new Map<string, PooledConnection>();
  private readonly sessions = new Map<string, Buffer>();
  private readonly all = new Set<PooledConnection>();
  private readonly native: NativeClient | null;

  constructor(o: { secureContext: tls.SecureContext; maxFreeSockets: number; native?: NativeClient | null }) {
    this.secureContext = o.secureContext;
    this.maxFree = o.maxFreeSockets;
    this.native = o.native ?? null;
  }

  /** Starts a request (`rawHead` as given, when set); throws (before anything is sent) on a header that cannot be sent. */
  call(o: CallOptions): UpstreamCall {
    const head = o.rawHead ?? requestHead(o.method, o.path, o.headers);
    const call = new UpstreamCall(this, this.acquire(o.target, o.owner), o);
    call.start(head);
    return call;
  }

  /** Opens a connection to `t` for `owner` unless one is idle or opening. */
  warmUp(t: DialTarget, owner: PoolKey): void {
    const key = keyOf(t, owner);
    if ((this.free.get(key)?.length ?? 0) > 0 || this.warming.has(key)) return;
    const conn = this.dial(t, key);
    this.warming.set(key, conn);
    conn.socket.once('secureConnect', () => {
      if (this.warming.get(key) !== conn) return;
      this.warming.delete(key);
      this.release(conn);
    });
  }

  /** A new connection, never a pooled one. */
  fresh(t: DialTarget, owner: PoolKey): PooledConnection {
    return this.dial(t, keyOf(t, owner));
  }

  release(conn: PooledConnection): void {
    const list = this.free.get(conn.key) ?? [];
    if (conn.socket.destroyed || list.length >= this.maxFree) return void conn.socket.destroy();
    // The last call may have paused it for backpressure; idle, it must notice the upstream closing.
    conn.socket.resume();
    list.push(conn);
    this.free.set(conn.key, list);
  }

  destroy(): void {
    for (const conn of this.all) conn.socket.destroy();
    this.all.clear();
    this.free.clear();
    this.warming.clear();
  }

  /**
   * An idle native connection to `t` of `owner` for the fast lane, counted as used, or null when none is
   * idle (the request then takes the JavaScript path, which dials). Back through `release`.
   */
  takeIdle(t: DialTarget, owner: PoolKey): PooledConnection | null {
    const conn = this.popIdle(keyOf(t, owner));
    if (!conn) return null;
    if (conn.socket.nativeId === undefined) {
      this.release(conn);
      return null;
    }
    conn.uses++;
    return conn;
  }

  /** A call over a connection the fast lane sent a request on; `adopt()` it once its events are wired. */
  adoptCall(conn: PooledConnection, o: CallOptions): UpstreamCall {
    return new UpstreamCall(this, conn, o);
  }

  private popIdle(key: string): PooledConnection | null {
    const list = this.free.get(key);
    const now = performance.now();
    while (list && list.length > 0) {
      const conn = list.pop()!;
      if (!conn.socket.destroyed && conn.expiresAt > now) return conn;
      conn.socket.destroy();
    }
    return null;
  }

  private acquire(t: DialTarget, owner: PoolKey): PooledConnection {
    const key = keyOf(t, owner);
    const idle = this.popIdle(key);
    if (idle) return idle;
    const warm = this.warming.get(key);
    if (warm && !warm.socket.destroyed) {
      this.warming.delete(key);
      return warm;
    }
    return this.dial(t, key);
  }

  private dial(t: DialTarget, key: string): PooledConnection {
    const socket = this.native ? this.dialNative(t, this.native) : this.dialNode(t, key);
    const conn = new PooledConnection(key, socket, (idle) => this.dropIdle(idle));
    this.all.add(conn);
    socket.once('close', () => this.all.delete(conn));
    return conn;
  }

  private dialNative(t: DialTarget, native: NativeClient): UpstreamSocket {
    return new NativeUpstreamSocket(native.transport, {
      address: t.address,
      port: t.port,
      servername: t.servername,
      // No SNI for an IP destination: the certificate is checked against the address itself.
      verifyName: t.servername || t.address,
      context: native.context,
    });
  }

  private dialNode(t: DialTarget, key: string): UpstreamSocket {
    // `family` reaches net.connect (the address is already resolved and checked).
    const options: tls.ConnectionOptions & { family: 4 | 6; noDelay: boolean } = {
      host: t.address,
      family: t.family,
      port: t.port,
      servername: t.servername,
      secureContext: this.secureContext,
      rejectUnauthorized: true,
      noDelay: true,
    };
    const session = this.sessions.get(key);
    if (session) options.session = session;
    const socket = tls.connect(options);
    socket.on('session', (session: Buffer) => {
      if (this.sessions.size >= MAX_SESSIONS) this.sessions.clear();
      this.sessions.set(key, session);
    });
    return socket;
  }

  /** Anything from an idle connection (data, end, error, close) retires it. */
  private dropIdle(conn: PooledConnection): void {
    conn.socket.destroy();
    const list = this.free.get(conn.key);
    const i = list?.indexOf(conn) ?? -1;
    if (list && i >= 0) list.splice(i, 1);
    if (this.warming.get(conn.key) === conn) this.warming.delete(conn.key);
  }
}

/** The native transport and its client context (the same trust as Node's path). */
export interface NativeClient {
  transport: NativeTls;
  context: number;
}

/** The pool's key: the owner first, so no lookup can ever match another owner's connection. */
function keyOf(t: DialTarget, owner: PoolKey): string {
  // A shared target (UpstreamPool.dialTarget's, one per destination) keeps its keys: a request
  // looks its key up by the objects it holds rather than building it again.
  return t instanceof SharedTarget ? keys.obtain(t, owner, keyText) : keyText(t, owner);
}

const keyText = (t: DialTarget, owner: PoolKey): string => `${owner}|${t.address}|${t.port}|${t.servername}`;

/** A target shared by every connection to one destination: frozen, so the keys kept for it stay true. */
class SharedTarget implements DialTarget {
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
  readonly servername: string;

  constructor(t: DialTarget) {
    this.address = t.address;
    this.family = t.family;
    this.port = t.port;
    this.servername = t.servername;
    Object.freeze(this);
  }
}

/** `t` as a target to share between connections (see `UpstreamPool.dialTarget`). */
export function sharedTarget(t: DialTarget): DialTarget {
  return new SharedTarget(t);
}

const keys = new PairCache<DialTarget, PoolKey, string>({ max: 4_096 });
