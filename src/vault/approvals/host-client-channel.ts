import type { Approver } from '../model/approvals.js';
import type { ApprovalChannel, PendingScope } from './types.js';

/** A host client counts as reachable while a poll is open and this long after its last one ended. */
export const HOST_CLIENT_GRACE_MS = 35_000;

interface Presence {
  open: number;
  lastSeen: number;
  agentIds: string[];
}

/**
 * Host clients reached over the long-poll (`GET /api/approvals/pending`). Presenting a card is
 * a no-op: the service wakes the polls and the client picks the approval up.
 */
export class HostClientChannel implements ApprovalChannel {
  readonly kind = 'host' as const;
  private readonly named = new Map<string, Presence>();
  private readonly unnamed = new Map<string, Presence>();

  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  /** Marks a poll open; call the returned function when it ends (idempotent). */
  pollOpened(scope: PendingScope): () => void {
    this.prune();
    const agentIds = [...new Set(scope.agentIds)].sort();
    const map = scope.clientName === null ? this.unnamed : this.named;
    const key = scope.clientName ?? agentIds.join('\n');
    const presence = map.get(key) ?? { open: 0, lastSeen: 0, agentIds };
    presence.open += 1;
    presence.lastSeen = this.now();
    map.set(key, presence);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      presence.open -= 1;
      presence.lastSeen = this.now();
    };
  }

  reachable(approver: Approver): boolean {
    if (approver.channel !== 'host') return false;
    if (approver.address !== '') return this.alive(this.named.get(approver.address));
    const wanted = approver.agentIds;
    for (const presence of this.unnamed.values()) {
      if (!this.alive(presence)) continue;
      const scoped = presence.agentIds.length > 0;
      if (wanted.length === 0 ? !scoped : scoped && wanted.some((id) => presence.agentIds.includes(id))) return true;
    }
    return false;
  }

  async present(): Promise<void> {}

  async settle(): Promise<void> {}

  // Forget clients gone for longer than the grace period, so the maps stay as small as the live set.
  private prune(): void {
    for (const map of [this.named, this.unnamed]) {
      for (const [key, presence] of map) if (!this.alive(presence)) map.delete(key);
    }
  }

  private alive(presence: Presence | undefined): boolean {
    return presence !== undefined && (presence.open > 0 || this.now() - presence.lastSeen <= HOST_CLIENT_GRACE_MS);
  }
}
