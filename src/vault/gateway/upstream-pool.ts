import http, { type ClientRequest, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { flattenHeaders } from './message-head.js';
import type { NativeTls } from './native-tls/native-tls.js';
import { UpstreamClient, type CallOptions, type DialTarget, type PooledConnection, type UpstreamCall } from './upstream-client.js';

export interface UpstreamTarget {
  /** The one address the egress guard checked: nothing else is ever dialled. */
  address: string;
  family: 4 | 6;
  port: number;
  /** The name the certificate must be valid for (and the SNI sent). */
  hostname: string;
}

export interface UpstreamPoolOptions {
  /** Extra CA certificates (PEM) trusted besides the bundled roots: tests, private upstreams. */
  extraCaPem?: readonly string[];
  /** Idle sockets kept per destination. */
  maxFreeSockets?: number;
  /** When set, TLS-terminated requests go upstream over the native transport. */
  native?: NativeTls | null;
}

export interface UpstreamRequest extends UpstreamTarget {
  tls: boolean;
  method: string;
  path: string;
  /** A header map, or a flat `[name, value, name, value, …]` list. */
  headers: OutgoingHttpHeaders | string[];
}


/**
 * Keep-alive connection pools to upstreams. Sockets are keyed by the checked address and
 * the TLS name, so a pooled socket is only reused for the same verified destination.
 */
export class UpstreamPool {
  private readonly httpsAgent: https.Agent;
  private readonly client: UpstreamClient;
  private readonly httpAgent: http.Agent;
  private readonly servernames = new Map<string, string>();
  private readonly native: { transport: NativeTls; context: number } | null;

  constructor(options: UpstreamPoolOptions = {}) {
    // One context for every upstream: building it from ~150 roots costs milliseconds, and
    // passing `ca` per request would also put the whole bundle into the pool key.
    const ca = [...tls.rootCertificates, ...(options.extraCaPem ?? [])];
    const secureContext = tls.createSecureContext({ ca });
    const common = {
      keepAlive: true,
      maxFreeSockets: options.maxFreeSockets ?? 64,
      scheduling: 'lifo' as const,
    };
    this.httpsAgent = new https.Agent({ ...common, secureContext, rejectUnauthorized: true });
    const native = options.native ? { transport: options.native, context: options.native.clientContext(ca) } : null;
    this.native = native;
    this.client = new UpstreamClient({ secureContext, maxFreeSockets: common.maxFreeSockets, native });
    this.httpAgent = new http.Agent(common);
  }

  /** Opens a TLS connection to `t` ahead of its first request, if none is idle. Never throws. */
  warmUp(t: UpstreamTarget): void {
    try {
      this.client.warmUp(this.dialTarget(t));
    } catch {
      // The request itself will dial and report the failure.
    }
  }

  /** The gateway's own client, for requests on TLS-terminated connections (not upgrades). */
  call(o: CallOptions): UpstreamCall {
    return this.client.call(o);
  }

  /** An idle native connection for a fast-lane request, or null (see UpstreamClient.takeIdle). */
  laneConnection(t: DialTarget): PooledConnection | null {
    return this.client.takeIdle(t);
  }

  /** A fast-lane connection back to the pool after a complete exchange. */
  release(conn: PooledConnection): void {
    this.client.release(conn);
  }

  /** A call carrying on what the fast lane began on `conn` (see UpstreamCall.adopt). */
  adoptCall(conn: PooledConnection, o: CallOptions): UpstreamCall {
    return this.client.adoptCall(conn, o);
  }

  /** Where the own client dials for `t`. */
  dialTarget(t: UpstreamTarget): DialTarget {
    return { address: t.address, family: t.family, port: t.port, servername: this.servername(t.hostname) };
  }

  /** SNI cannot carry an IP literal: for IP destinations the certificate is checked against the IP itself. */
  private servername(hostname: string): string {
    let name = this.servernames.get(hostname);
    if (name === undefined) {
      // isIP runs two large regular expressions: once per host, not once per request.
      name = isIP(hostname) ? '' : hostname;
      if (this.servernames.size >= 4_096) this.servernames.clear();
      this.servernames.set(hostname, name);
    }
    return name;
  }

  /** Starts a request to exactly `address`; the caller pipes the body and handles events. */
  request(r: UpstreamRequest): ClientRequest {
    // Headers as a flat list: ClientRequest then serializes them once instead of setHeader() per name.
    const headers = Array.isArray(r.headers) ? r.headers : flattenHeaders(r.headers);
    if (!r.tls) {
      return http.request({
        host: r.address,
        family: r.family,
        port: r.port,
        method: r.method,
        path: r.path,
        headers,
        setHost: false,
        insecureHTTPParser: false,
        agent: this.httpAgent,
      });
    }
    return https.request({
      host: r.address,
      family: r.family,
      port: r.port,
      servername: this.servername(r.hostname),
      method: r.method,
      path: r.path,
      headers,
      setHost: false,
      insecureHTTPParser: false,
      agent: this.httpsAgent,
      rejectUnauthorized: true,
    });
  }

  destroy(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
    this.client.destroy();
    this.native?.transport.freeContext(this.native.context);
  }
}
