import http, { type ClientRequest, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';

export interface UpstreamPoolOptions {
  /** Extra CA certificates (PEM) trusted besides the bundled roots: tests, private upstreams. */
  extraCaPem?: readonly string[];
  /** Idle sockets kept per destination. */
  maxFreeSockets?: number;
}

export interface UpstreamRequest {
  tls: boolean;
  /** The one address the egress guard checked: nothing else is ever dialled. */
  address: string;
  family: 4 | 6;
  port: number;
  /** The name the certificate must be valid for (and the SNI sent). */
  hostname: string;
  method: string;
  path: string;
  headers: OutgoingHttpHeaders;
}

/**
 * Keep-alive connection pools to upstreams. Sockets are keyed by the checked address and
 * the TLS name, so a pooled socket is only reused for the same verified destination.
 */
export class UpstreamPool {
  private readonly httpsAgent: https.Agent;
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
    this.httpsAgent = new https.Agent({ ...common, secureContext, rejectUnauthorized: true });
    this.httpAgent = new http.Agent(common);
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
    return https.request({
      ...base,
      agent: this.httpsAgent,
      // SNI cannot carry an IP literal; for IP destinations the certificate is checked
      // against the IP itself.
      servername: isIP(r.hostname) ? '' : r.hostname,
      rejectUnauthorized: true,
    });
  }

  destroy(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }
}
