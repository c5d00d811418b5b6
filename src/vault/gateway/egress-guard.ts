import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { canonicalIp, classifyAddress } from './address-class.js';

/** Resolves a name to every address it has; the default is the system resolver. */
export type Resolve = (host: string) => Promise<string[]>;

export interface EgressGuardOptions {
  resolve?: Resolve;
  /** `name:port`, `ip:port` or `[v6]:port` destinations private addresses are allowed for. */
  allowPrivate?: readonly string[];
  /** The vault's own addresses: refused like private ones. */
  ownAddresses?: readonly string[];
  /** How long a resolution is reused, in ms (the checked address is what gets dialled). */
  cacheMs?: number;
}

export type EgressDecision =
  | { ok: true; address: string; family: 4 | 6 }
  | { ok: false; status: 403 | 502; reason: string; message: string };

/** Splits `host:port` / `[v6]:port`; null when the port is missing or not a number. */
export function parseAllowEntry(entry: string): { host: string; port: number } | null {
  const m = /^\s*(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})\s*$/.exec(entry);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  const lower = host.toLowerCase().replace(/\.$/, '');
  return { host: isIP(lower) ? canonicalIp(lower) : lower, port };
}

/** The pure decision: refuse when any address is non-public and not explicitly allowed. */
export function judgeAddresses(input: {
  host: string;
  port: number;
  addresses: readonly string[];
  allow: ReadonlySet<string>;
  own: ReadonlySet<string>;
}): EgressDecision {
  const { host, port, addresses, allow, own } = input;
  const first = addresses[0];
  if (first === undefined) {
    return { ok: false, status: 502, reason: 'dns_failure', message: `${host} has no address` };
  }
  const nameAllowed = allow.has(`${host}:${port}`);
  for (const address of addresses) {
    const canonical = canonicalIp(address);
    const cls = own.has(canonical) ? 'own_address' : classifyAddress(address);
    if (cls === null || nameAllowed || allow.has(`${canonical}:${port}`)) continue;
    return {
      ok: false,
      status: 403,
      reason: `egress_${cls}`,
      message: `${host}:${port} resolves to ${address}, a ${cls.replace(/_/g, ' ')} address the gateway does not dial for agents; allow it with allowPrivate "${host}:${port}"`,
    };
  }
  return { ok: true, address: first, family: isIP(first) === 6 ? 6 : 4 };
}

async function systemResolve(host: string): Promise<string[]> {
  const found = await lookup(host, { all: true, order: 'verbatim' });
  return found.map((a) => a.address);
}

/**
 * Resolves a destination once, classifies every address and hands back the one address to
 * dial, so a name that re-resolves (DNS rebinding) cannot slip a private address past it.
 */
export class EgressGuard {
  private readonly resolve: Resolve;
  private readonly allow: Set<string>;
  private readonly own: Set<string>;
  private readonly cacheMs: number;
  private readonly cache = new Map<string, { at: number; addresses: Promise<string[]> }>();

  constructor(options: EgressGuardOptions = {}) {
    this.resolve = options.resolve ?? systemResolve;
    this.cacheMs = options.cacheMs ?? 5_000;
    this.allow = new Set();
    for (const entry of options.allowPrivate ?? []) {
      const parsed = parseAllowEntry(entry);
      if (parsed) this.allow.add(`${parsed.host}:${parsed.port}`);
    }
    this.own = new Set((options.ownAddresses ?? []).map(canonicalIp));
  }

  /** Never throws: resolution failures come back as a 502 decision. */
  async check(host: string, port: number): Promise<EgressDecision> {
    const bare = host.replace(/^\[|\]$/g, '');
    let addresses: string[];
    if (isIP(bare)) addresses = [bare];
    else {
      try {
        addresses = await this.addressesOf(bare);
      } catch {
        return { ok: false, status: 502, reason: 'dns_failure', message: `could not resolve ${bare}` };
      }
    }
    const name = isIP(bare) ? canonicalIp(bare) : bare;
    return judgeAddresses({ host: name, port, addresses, allow: this.allow, own: this.own });
  }

  private addressesOf(host: string): Promise<string[]> {
    const now = performance.now();
    const hit = this.cache.get(host);
    if (hit && now - hit.at < this.cacheMs) return hit.addresses;
    const addresses = this.resolve(host);
    if (this.cache.size > 1024) this.cache.clear();
    this.cache.set(host, { at: now, addresses });
    addresses.catch(() => this.cache.delete(host));
    return addresses;
  }
}
