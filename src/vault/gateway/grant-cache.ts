import { hostMatches } from '../inject/host-pattern.js';
import { selectSecret } from '../inject/select-secret.js';
import type { Secret } from '../model/records.js';
import type { OAuthReading, OAuthRefresher } from '../oauth/oauth-refresher.js';
import type { VaultStore } from '../store/types.js';
import { PairCache } from './pair-cache.js';

/** How long what was read from the store (grants, decrypted values) is reused. */
export const GRANT_TTL_MS = 1_000;
const MAX_ENTRIES = 4_096;

/** A decrypted value; the same object while the value stays, so what is worked out from it can be cached by it. */
export interface Revealed {
  value: string;
}

/**
 * What `reveal` reads for a secret: its value, or for an `oauth2` secret a refresh to wait for
 * (the access token expired) or the reason the provider refused to renew it.
 */
export type Reading = Revealed | OAuthReading;

interface Timed<T> {
  at: number;
  item: T;
}

interface HostGrants {
  secrets: Secret[];
  /** The secret `selectSecret` picks for any path, when no secret has a path pattern; else undefined. */
  anyPath: Secret | null | undefined;
}

function anyPathPattern(s: Secret): boolean {
  return s.pathPattern === null || s.pathPattern.trim() === '*';
}

/**
 * The secrets each agent may use on each host, and their decrypted values, read from the
 * store at most once per TTL for the whole gateway: a revoked grant or rotated value applies
 * within a second, without a store query and an AES-GCM decryption on every request, and
 * without every idle connection keeping its own copies.
 */
export class GrantCache {
  private readonly store: VaultStore;
  private readonly oauth: OAuthRefresher | null;
  private readonly ttlMs: number;
  // By agent, then host; and by secret id, with the `updatedAt` the value was read at. Looked
  // up by the ids and names a request already holds: no key is built per request.
  private readonly grants = new PairCache<string, string, Timed<HostGrants>>({ max: MAX_ENTRIES });
  private readonly values = new Map<string, Timed<Revealed | null> & { updatedAt: string }>();

  constructor(options: { store: VaultStore; oauth?: OAuthRefresher; ttlMs?: number }) {
    this.store = options.store;
    this.oauth = options.oauth ?? null;
    this.ttlMs = options.ttlMs ?? GRANT_TTL_MS;
  }

  /** The agent's secrets whose host pattern matches `host`. */
  forHost(agentId: string, host: string): Secret[] {
    return this.hostGrants(agentId, host).secrets;
  }

  /** `selectSecret` over `forHost()`; without path patterns the choice is made once per TTL, not per request. */
  select(agentId: string, host: string, path: string): Secret | null {
    const grants = this.hostGrants(agentId, host);
    return grants.anyPath !== undefined ? grants.anyPath : selectSecret(grants.secrets, { host, path });
  }

  private hostGrants(agentId: string, host: string): HostGrants {
    const now = performance.now();
    const hit = this.grants.get(agentId, host);
    if (hit && now - hit.at < this.ttlMs) return hit.item;
    const secrets = this.store.agents.grantedSecrets(agentId).filter((s) => hostMatches(s.hostPattern, host));
    const anyPath = secrets.every(anyPathPattern) ? selectSecret(secrets, { host, path: '/' }) : undefined;
    const item = { secrets, anyPath };
    this.grants.set(agentId, host, { at: now, item });
    return item;
  }

  /**
   * The decrypted value of a secret from `forHost()` (an `oauth2` secret's current access token,
   * renewed when due); null when it vanished meanwhile. `wait: false`: an expired token is read
   * as it is (the refresh goes on) where a request cannot wait.
   */
  reveal(secret: Secret, o: { wait: boolean } = { wait: true }): Reading | null {
    if (secret.type === 'oauth2') {
      // Its stored value is the tokens' JSON, never a value to inject as it is.
      if (!this.oauth) throw new Error('an oauth2 secret needs the gateway\'s OAuth refresher');
      return this.oauth.read(secret, o);
    }
    const now = performance.now();
    const hit = this.values.get(secret.id);
    if (hit && hit.updatedAt === secret.updatedAt && now - hit.at < this.ttlMs) return hit.item;
    const value = this.store.secrets.reveal(secret.id);
    // The same value keeps its object across refreshes, and with it the decisions cached for it (decide-request.ts).
    const item = value === null ? null : hit?.item?.value === value ? hit.item : { value };
    if (this.values.size >= MAX_ENTRIES && !hit) this.values.clear();
    this.values.set(secret.id, { at: now, item, updatedAt: secret.updatedAt });
    return item;
  }

  /** The upstream answered `status` to a request that carried `value` of `secret`: after a 401 an `oauth2` token is renewed before its next use. */
  answered(secret: Secret, value: string, status: number): void {
    if (secret.type === 'oauth2') this.oauth?.answered(secret.id, value, status);
  }
}
