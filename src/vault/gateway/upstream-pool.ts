import http, { type ClientRequest, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { flattenHeaders } from './message-head.js';
import type { NativeTls } from './native-tls/native-tls.js';
import { PairCache } from './pair-cache.js';
import type { PoolKey } from './pool-key.js';
import { sharedTarget, UpstreamClient, type CallOptions, type DialTarget, type PooledConnection, type UpstreamCall } from './upstream-client.js';

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
  /** Whose request it is (pool-key.ts): a kept-alive socket is reused only for the same key. */
  owner: PoolKey;
  tls: boolean;
  method: string;
  path: string;
  /** A header map, or a flat `[name, value, name, value, …]` list. */
  headers: OutgoingHttpHeaders | string[];
}

/** Hosts (and destinations) whose work is kept; past that many the cache starts again. */
const MAX_NAMES = 4_096;
const MAX_ADDRESSES = 16;

/** Node's agents, with the owner in the name they pool sockets by. */
class OwnedHttpAgent extends http.Agent {
  override getName(options?: http.ClientRequestArgs & { owner?: PoolKey }): string {
    return `${options?.owner ?? ''}|${super.getName(options)}`;
  }
}

class OwnedHttpsAgent extends https.Agent {
  override getName(options?: https.RequestOptions & { owner?: PoolKey }): string {
    return `${options?.owner ?? ''}|${super.getName(options)}`;
  }
}

/**
 * Keep-alive connection pools to upstreams. Sockets are keyed by their owner (pool-key.ts: the
 * agent and the secret), the checked address and the TLS name, so a pooled socket is only
 * reused for the same owner and the same verified destination.
 */
export class UpstreamPool {
  private readonly httpsAgent: https.Agent;
  private readonly client: UpstreamClient;
  private readonly httpAgent: http.Agent;
  private readonly servernames = new Map<string, string>();
  // By name and port, then address: found without building a key per call.
  private readonly targets = new PairCache<string, number, DialTarget[]>({ max: MAX_NAMES });
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
    this.httpsAgent = new OwnedHttpsAgent({ ...common, secureContext, rejectUnauthorized: true });
    const native = options.native ? { transport: options.native, context: options.native.clientContext(ca) } : null;
    this.native = native;
    this.client = new UpstreamClient({ secureContext, maxFreeSockets: common.maxFreeSockets, native });
    this.httpAgent = new OwnedHttpAgent(common);
  }

  /** Opens a TLS connection to `t` for `owner` ahead of its first request, if none is idle. Never throws. */
  warmUp(t: UpstreamTarget, owner: PoolKey): void {
    try {
      this.client.warmUp(this.dialTarget(t), owner);
    } catch {
      // The request itself will dial and report the failure.
    }
  }

  /** The gateway's own client, for requests on TLS-terminated connections (not upgrades). */
  call(o: CallOptions): UpstreamCall {
    return this.client.call(o);
  }

  /** An idle native connection of `owner` for a fast-lane request, or null (see UpstreamClient.takeIdle). */
  laneConnection(t: DialTarget, owner: PoolKey): PooledConnection | null {
    return this.client.takeIdle(t, owner);
  }

  /** A fast-lane connection back to the pool after a complete exchange. */
  release(conn: PooledConnection): void {
    this.client.release(conn);
  }

  /** A call carrying on what the fast lane began on `conn` (see UpstreamCall.adopt). */
  adoptCall(conn: PooledConnection, o: CallOptions): UpstreamCall {
    return this.client.adoptCall(conn, o);
  }

  /**
   * Where the own client dials for `t`: one frozen object per destination, shared by every
   * connection to it, so an idle connection holds no copy and the client keeps its pool keys by it.
   */
  dialTarget(t: UpstreamTarget): DialTarget {
    let known = this.targets.get(t.hostname, t.port);
    for (const target of known ?? []) if (target.address === t.address && target.family === t.family) return target;
    const target = sharedTarget({ address: t.address, family: t.family, port: t.port, servername: this.servername(t.hostname) });
    // A name has a few addresses; one whose list grows past that starts it again.
    if (!known || known.length >= MAX_ADDRESSES) this.targets.set(t.hostname, t.port, (known = []));
    known.push(target);
    return target;
  }

  /** SNI cannot carry an IP literal: for IP destinations the certificate is checked against the IP itself. */
  private servername(hostname: string): string {
    let name = this.servernames.get(hostname);
    if (name === undefined) {
      // isIP runs two large regular expressions: once per host, not once per request.
      name = isIP(hostname) ? '' : hostname;
      if (this.servernames.size >= MAX_NAMES) this.servernames.clear();
      this.servernames.set(hostname, name);
    }
    return name;
  }

  /** Starts a request to exactly `address`; the caller pipes the body and handles events. */
  request(r: UpstreamRequest): ClientRequest {
    // Headers as a flat list: ClientRequest then serializes them once instead of setHeader() per name.
    const headers = Array.isArray(r.headers) ? r.headers : flattenHeaders(r.headers);
    // `owner` reaches the agent's getName (Node passes request options on to it).
    const common: http.RequestOptions & { owner: PoolKey } = {
      owner: r.owner,
      host: r.address,
      family: r.family,
      port: r.port,
      method: r.method,
      path: r.path,
      headers,
      setHost: false,
      insecureHTTPParser: false,
    };
    if (!r.tls) return http.request({ ...common, agent: this.httpAgent });
    return https.request({ ...common, servername: this.servername(r.hostname), agent: this.httpsAgent, rejectUnauthorized: true });
  }

  destroy(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
    this.client.destroy();
    this.native?.transport.freeContext(this.native.context);
  }
}
