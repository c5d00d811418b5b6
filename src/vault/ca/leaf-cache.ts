import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { CaMaterial } from '../store/types.js';
import { assertCaUsable, certificateHost, issueLeaf, newLeafKey, type LeafKey } from './ca.js';
import { loadCa, type LoadedCa } from './load-ca.js';

/**
 * Per-host TLS contexts for the gateway's interception: one leaf (with its own key) per host,
 * reused until shortly before it expires, least recently used hosts dropped beyond `maxEntries`.
 * Issuing is synchronous and cheap (P-256), so an SNI callback can call it directly; the next
 * fresh keys are generated ahead of time, after the event loop's current work, not on a request.
 */

/** Fresh keys kept ready: a burst of new hosts beyond it generates keys inline. */
const SPARE_KEYS = 4;
const REFILL_DELAY_MS = 10;
const WARM_ISSUES = 3;

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
  /** Node's TLS context for the leaf, made on first use (the native transport never asks). */
  readonly context: SecureContext;
  readonly certPem: string;
  readonly keyPem: string;
  readonly notAfter: Date;
}

function leafEntry(o: { host: string; certPem: string; keyPem: string; notAfter: Date }): LeafEntry {
  let context: SecureContext | undefined;
  return {
    ...o,
    get context(): SecureContext {
      context ??= createSecureContext({ key: o.keyPem, cert: o.certPem, minVersion: 'TLSv1.2' });
      return context;
    },
  };
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
  private readonly spareKeys: LeafKey[] = [];
  private refilling = false;

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

  /**
   * Readies the issuing path ahead of the first new host: spare keys, and one throwaway leaf
   * so the certificate code is compiled (the first issues take ~1.5 ms each, later ones ~0.3 ms).
   */
  prepare(): void {
    while (this.spareKeys.length < SPARE_KEYS) this.spareKeys.push(newLeafKey());
    for (let i = 0; i < WARM_ISSUES; i++) {
      const leaf = issueLeaf({ ca: this.ca, host: 'warm-up.invalid', validDays: 1, now: new Date(this.now()) });
      createSecureContext({ key: leaf.keyPem, cert: leaf.certPem, minVersion: 'TLSv1.2' });
    }
  }

  /**
   * A cached context for `host`, or a function that issues one: a caller can answer the
   * CONNECT before the leaf is made. Throws `invalid_host` or `ca_expired` here, before either.
   */
  lookup(host: string): SecureContext | (() => SecureContext) {
    const key = certificateHost(host);
    const cached = this.entries.get(key);
    const now = this.now();
    if (cached && now < cached.notAfter.getTime() - this.renewBeforeMs) return this.entryFor(key).context;
    assertCaUsable(this.ca, new Date(now));
    return () => this.entryFor(key).context;
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
    const key = this.spareKeys.pop() ?? newLeafKey();
    const leaf = issueLeaf({ ca: this.ca, host, key, validDays: this.ttlDays, now: new Date(now) });
    this.issuedCount++;
    this.refillKeys();
    return leafEntry({ host, certPem: leaf.certPem, keyPem: leaf.keyPem, notAfter: leaf.notAfter });
  }

  /**
   * Makes the next keys a little later, one per timer tick (~0.1 ms each), so no handshake
   * waiting for a leaf also waits for a batch of keys; each key is used for one leaf only.
   */
  private refillKeys(): void {
    if (this.refilling || this.spareKeys.length >= SPARE_KEYS) return;
    this.refilling = true;
    setTimeout(() => {
      this.refilling = false;
      this.spareKeys.push(newLeafKey());
      this.refillKeys();
    }, REFILL_DELAY_MS).unref();
  }
}
