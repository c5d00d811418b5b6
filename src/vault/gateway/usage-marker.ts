import type { Logger } from '../../common/logger.js';
import { errorMessage } from '../../common/errors.js';
import type { VaultStore } from '../store/types.js';

/**
 * Records `lastUsedAt` of secrets, at most once per secret per interval: a store write on
 * every keep-alive request would cost more than the request itself.
 */
export class UsageMarker {
  private readonly store: VaultStore;
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly last = new Map<string, number>();

  constructor(options: { store: VaultStore; logger: Logger; intervalMs?: number }) {
    this.store = options.store;
    this.logger = options.logger;
    this.intervalMs = options.intervalMs ?? 30_000;
  }

  mark(secretId: string): void {
    const now = performance.now();
    const before = this.last.get(secretId);
    if (before !== undefined && now - before < this.intervalMs) return;
    this.last.set(secretId, now);
    try {
      this.store.secrets.markUsed(secretId);
    } catch (err) {
      this.logger.warn('Could not record secret use', { secret: secretId, error: errorMessage(err) });
    }
  }
}
