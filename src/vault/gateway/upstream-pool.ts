import http, { type ClientRequest, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

const WARM_IDLE_MS = 30_000;

export interface UpstreamTarget {
  /** The one address the egress guard checked: nothing else is ever dialled. */
  address: string;
  family: 4 | 6;
  port: number;
  /** The name the certificate must be valid for (and the SNI sent). */
  hostname: string;
}

/**
 * An https.Agent that can open a connection ahead of the first request (while the agent's
 * own TLS handshake with the gateway is still running) and hands it to that request.
 */
class WarmingAgent extends https.Agent {
  private readonly warm = new Map<string, Duplex>();

  /** Opens a connection for `options` unless one is idle or already opening. */
  warmUp(target: https.RequestOptions): void {
    // What the agent itself does before dialling: its own options (the CA context) win.
    const options = { ...target, ...this.options };
    const name = this.getName(options);
    if ((this.freeSockets[name]?.length ?? 0) > 0 || this.warm.has(name)) return;
    const socket = super.createConnection(options) as (Duplex & { setTimeout(ms: number, cb?: () => void): void }) | null;
    if (!socket) return;
    this.warm.set(name, socket);
    const drop = (): void => {
      if (this.warm.get(name) === socket) this.warm.delete(name);
    };
    socket.on('error', () => socket.destroy());
    socket.once('close', drop);
    socket.setTimeout(WARM_IDLE_MS, () => socket.destroy());
  }

  override createConnection(
    options: https.RequestOptions,
    cb?: (err: Error | null, s: Duplex) => void,
  ): Duplex | null | undefined {
    const name = this.getName(options);
    const socket = this.warm.get(name) as (Duplex & { setTimeout(ms: number): void }) | undefined;
    if (socket && !socket.destroyed) {
      this.warm.delete(name);
      socket.setTimeout(0);
      return socket;
    }
    return super.createConnection(options, cb);
  }

  override destroy(): void {
    for (const socket of this.warm.values()) socket.destroy();
    this.warm.clear();
    super.destroy();
  }
}

export interface UpstreamPoolOptions {
  /** Extra CA certificates (PEM) trusted besides the bundled roots: tests, private upstreams. */
  extraCaPem?: readonly string[];
  /** Idle sockets kept per destination. */
  maxFreeSockets?: number;
}

export interface UpstreamRequest extends UpstreamTarget {
  tls: boolean;
  method: string;
  path: string;
  headers: OutgoingHttpHeaders;
}

/**
 * Keep-alive connection pools to upstreams. Sockets are keyed by the checked address and
 * the TLS name, so a pooled socket is only reused for the same verified destination.
 */
export class UpstreamPool {
  private readonly httpsAgent: WarmingAgent;
  private readonly httpAgent: http.Agent;

  constructor(options: UpstreamPoolOptions = {}) {
    // One context for every upstream: building it from ~150 roots costs milliseconds, and
    // passing `ca` per request would also put the whole bundle into the pool key.
    const secureContext = tls.createSecureContext({
      ca: [...tls.rootCertificates, ...(options.extraCaPem ?? [])],
    });
    const common = {
      keepAlive: true,
      maxFreeSockets: options.maxFreeSockets ?? 64,
      scheduling: 'lifo' as const,
    };
    this.httpsAgent = new WarmingAgent({ ...common, secureContext, rejectUnauthorized: true });
    this.httpAgent = new http.Agent(common);
  }

  /** Opens a TLS connection to `t` ahead of its first request, if none is idle. Never throws. */
  warmUp(t: UpstreamTarget): void {
    try {
      this.httpsAgent.warmUp({ ...this.tlsTarget(t), rejectUnauthorized: true });
    } catch {
      // The request itself will dial and report the failure.
    }
  }

  private tlsTarget(t: UpstreamTarget): https.RequestOptions {
    // SNI cannot carry an IP literal; for IP destinations the certificate is checked
    // against the IP itself.
    return { host: t.address, family: t.family, port: t.port, servername: isIP(t.hostname) ? '' : t.hostname };
  }

  /** Starts a request to exactly `address`; the caller pipes the body and handles events. */
  request(r: UpstreamRequest): ClientRequest {
    const base = {
      host: r.address,
      family: r.family,
      port: r.port,
      method: r.method,
      path: r.path,
      headers: r.headers,
      setHost: false,
      insecureHTTPParser: false,
    };
    if (!r.tls) return http.request({ ...base, agent: this.httpAgent });
    return https.request({ ...base, ...this.tlsTarget(r), agent: this.httpsAgent, rejectUnauthorized: true });
  }

  destroy(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }
}
