import type { Agent, Secret } from '../model.js';
import { hostMatches } from '../inject/host-pattern.js';
import type { VaultStore } from '../store/types.js';
import { echoForms, type EchoForms } from './echo-scanner.js';

/** A decrypted value with the wire forms its echoes are redacted in. */
export interface Revealed {
  value: string;
  forms: EchoForms;
}

/** How long one connection reuses what it read from the store (grants, decrypted values). */
export const GRANT_TTL_MS = 1_000;

/**
 * The secrets one agent may use on one host, read from the store at most once per TTL.
 * Lives as long as one client connection, so a revoked grant stops applying within a second
 * without a store query and an AES-GCM decryption on every keep-alive request.
 */
export class GrantCache {
  private readonly store: VaultStore;
  private readonly agent: Agent;
  private readonly host: string;
  private readonly ttlMs: number;
  private loadedAt = -Infinity;
  private secrets: Secret[] = [];
  private values = new Map<string, Revealed | null>();

  constructor(options: { store: VaultStore; agent: Agent; host: string; ttlMs?: number }) {
    this.store = options.store;
    this.agent = options.agent;
    this.host = options.host;
    this.ttlMs = options.ttlMs ?? GRANT_TTL_MS;
  }

  /** The agent's secrets whose host pattern matches this connection's host. */
  forHost(): Secret[] {
    this.refresh();
    return this.secrets;
  }

  /** The decrypted value of a secret from `forHost()`; null when it vanished meanwhile. */
  reveal(secret: Secret): Revealed | null {
    this.refresh();
    const key = `${secret.id}\0${secret.updatedAt}`;
    let revealed = this.values.get(key);
    if (revealed === undefined) {
      const value = this.store.secrets.reveal(secret.id);
      revealed = value === null ? null : { value, forms: echoForms([value]) };
      this.values.set(key, revealed);
    }
    return revealed;
  }

  private refresh(): void {
    const now = performance.now();
    if (now - this.loadedAt < this.ttlMs) return;
    this.loadedAt = now;
    this.secrets = this.store.agents
      .grantedSecrets(this.agent.id)
      .filter((s) => hostMatches(s.hostPattern, this.host));
    this.values = new Map();
  }
}
