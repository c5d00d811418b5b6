import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { CaMaterial } from '../store/types.js';
import { certificateHost, issueLeaf } from './ca.js';
import { loadCa, type LoadedCa } from './load-ca.js';

/**
 * Per-host TLS contexts for the gateway's interception: one leaf (with its own key) per host,
 * reused until shortly before it expires, least recently used hosts dropped beyond `maxEntries`.
 * Issuing is synchronous and cheap (P-256), so an SNI callback can call it directly.
 */

export interface LeafCacheOptions {
  ca: CaMaterial;
  ttlDays?: number;
  /** Re-issue a leaf this long before it expires. */
  renewBeforeMs?: number;
  maxEntries?: number;
  /** Epoch milliseconds; injected by tests. */
  now?: () => number;
}

export interface LeafEntry {
  readonly host: string;
  readonly context: SecureContext;
  readonly certPem: string;
  readonly notAfter: Date;
}

export class LeafCache {
  /** The CA certificate, parsed once (clients are given `ca.certPem` to trust). */
  readonly caCert: X509Certificate;
  private readonly ca: LoadedCa;
  private readonly ttlDays: number;
  private readonly renewBeforeMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, LeafEntry>();
  private issuedCount = 0;

  constructor(opts: LeafCacheOptions) {
    this.ca = loadCa(opts.ca);
    this.caCert = this.ca.cert;
    this.ttlDays = opts.ttlDays ?? 30;
    this.renewBeforeMs = opts.renewBeforeMs ?? 86_400_000;
    this.maxEntries = Math.max(1, opts.maxEntries ?? 1000);
    this.now = opts.now ?? Date.now;
  }

  /** The CA certificate PEM that clients must trust. */
  get caPem(): string {
    return this.ca.certPem;
  }

  /** How many leaves were issued so far (cache misses plus renewals). */
  get issued(): number {
    return this.issuedCount;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The TLS context for `host` (normalized), issuing or renewing its leaf when needed. */
  secureContextFor(host: string): SecureContext {
    return this.entryFor(host).context;
  }

  /** The cached leaf for `host`; throws `invalid_host` for a name no certificate can carry. */
  entryFor(host: string): LeafEntry {
    const key = certificateHost(host);
    const now = this.now();
    const cached = this.entries.get(key);
    this.entries.delete(key); // re-inserted below: Map order is least-recently-used order
    const fresh = cached && now < cached.notAfter.getTime() - this.renewBeforeMs ? cached : this.issue(key, now);
    this.entries.set(key, fresh);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
    return fresh;
  }

  private issue(host: string, now: number): LeafEntry {
    const leaf = issueLeaf({ ca: this.ca, host, validDays: this.ttlDays, now: new Date(now) });
    this.issuedCount++;
    const context = createSecureContext({ key: leaf.keyPem, cert: leaf.certPem, minVersion: 'TLSv1.2' });
    return { host, context, certPem: leaf.certPem, notAfter: leaf.notAfter };
  }
}
