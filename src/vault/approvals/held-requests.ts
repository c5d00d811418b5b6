import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ApprovalSettlement, VaultStore } from '../store/types.js';
import type { Approval, Approver } from '../model/approvals.js';
import { resolveRoute } from './routing.js';
import type { ApprovalChannel, ApprovalEvent, HoldOutcome } from './types.js';

/** How an approval ends; `unreachable` marks the "nobody to ask" rejection for the gateway. */
export type Ending = Pick<ApprovalSettlement, 'status' | 'reason' | 'decidedBy'> & { unreachable?: boolean };

interface Held {
  resolve(outcome: HoldOutcome): void;
  timer: NodeJS.Timeout;
  cleanup(): void;
}

/** The hold's answer for a settled approval. */
export function outcomeOf(a: Approval, unreachable: boolean): HoldOutcome {
  const reason = a.reason ?? a.status;
  if (a.status === 'approved') return { decision: 'approved', approvalId: a.id, grantId: null, bodyDigest: a.bodyDigest };
  if (unreachable) return { decision: 'unreachable', approvalId: a.id, reason };
  return { decision: a.status === 'pending' ? 'expired' : a.status, approvalId: a.id, reason };
}

/**
 * The requests this process holds, and the one way an approval ends: the store's conditional
 * write decides who wins (decision, TTL, disconnect, shutdown), then the held request is
 * answered, listeners hear of it and the card is updated.
 */
export class HeldRequests {
  private readonly held = new Map<string, Held>();
  private readonly listeners = new Set<(event: ApprovalEvent) => void>();

  private readonly o: { store: VaultStore; logger: Logger; channels: readonly ApprovalChannel[]; now: () => number };

  constructor(o: { store: VaultStore; logger: Logger; channels: readonly ApprovalChannel[]; now: () => number }) {
    this.o = o;
  }

  add(id: string, entry: Held): void {
    this.held.set(id, entry);
  }

  has(id: string): boolean {
    return this.held.has(id);
  }

  ids(): string[] {
    return [...this.held.keys()];
  }

  /** Where the approval's card went, as an approver (configured or built-in). */
  routeOf(a: Approval): Approver | null {
    return resolveRoute(a.routedTo, a.agentId, this.o.store.approvers.list());
  }

  /** Ends a pending approval; null when it was not pending (someone else ended it first). */
  settle(id: string, ending: Ending): Approval | null {
    const { unreachable, ...rest } = ending;
    const approval = this.o.store.approvals.settle(id, { ...rest, decidedAt: new Date(this.o.now()).toISOString() });
    if (!approval) return null;
    this.answer(approval, unreachable === true);
    this.o.logger.info('Approval settled', { id, status: approval.status, reason: approval.reason, by: approval.decidedBy });
    this.emit({ type: 'settled', approval });
    this.settleCard(approval);
    return approval;
  }

  /**
   * Answers the requests held here whose approval another vault process ended (a decision taken
   * through its API, dashboard or Telegram, on a shared Postgres store); that process updated the card.
   */
  answerSettledElsewhere(): void {
    for (const id of this.ids()) {
      const approval = this.o.store.approvals.get(id);
      if (!approval || approval.status === 'pending') continue;
      this.answer(approval, false);
      this.o.logger.info('Approval settled by another vault process', { id, status: approval.status, by: approval.decidedBy });
      this.emit({ type: 'settled', approval });
    }
  }

  private answer(approval: Approval, unreachable: boolean): void {
    const hold = this.held.get(approval.id);
    if (!hold) return;
    this.held.delete(approval.id);
    clearTimeout(hold.timer);
    hold.cleanup();
    hold.resolve(outcomeOf(approval, unreachable));
  }

  subscribe(listener: (event: ApprovalEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ApprovalEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.o.logger.warn('Approval listener failed', { error: errorMessage(err) });
      }
    }
  }

  unsubscribeAll(): void {
    this.listeners.clear();
  }

  private settleCard(approval: Approval): void {
    const approver = this.routeOf(approval);
    const channel = approver && this.o.channels.find((c) => c.kind === approver.channel);
    if (!approver || !channel) return;
    channel.settle(approval, approver).catch((err: unknown) => {
      this.o.logger.warn('Could not update the approval card', { id: approval.id, channel: channel.kind, error: errorMessage(err) });
    });
  }
}
