import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { Alert } from '../model/approvals.js';
import type { VaultStore } from '../store/types.js';
import { approvalCandidates } from './routing.js';
import type { ApprovalChannel } from './types.js';

/**
 * Least time between two alerts pushed (to Telegram) about the same agent and decoy: an agent
 * looping on a decoy must not flood a chat. The dashboard, host clients and audit log see every one.
 */
export const ALERT_PUSH_INTERVAL_MS = 60_000;
const MAX_TRACKED = 1_000;

/** Sends alerts to every approver of the agent on a channel that sends them itself, each chat once. */
export class AlertPush {
  private readonly lastSent = new Map<string, number>();
  private readonly o: { store: VaultStore; channels: readonly ApprovalChannel[]; logger: Logger; now: () => number };

  constructor(o: { store: VaultStore; channels: readonly ApprovalChannel[]; logger: Logger; now: () => number }) {
    this.o = o;
  }

  /** Never throws; a channel that fails is logged. */
  send(alert: Alert): void {
    const { store, channels, logger, now } = this.o;
    const key = `${alert.agentId}\0${alert.secretName}`;
    const last = this.lastSent.get(key);
    if (last !== undefined && now() - last < ALERT_PUSH_INTERVAL_MS) return;
    if (this.lastSent.size >= MAX_TRACKED) this.lastSent.clear();
    this.lastSent.set(key, now());
    const told = new Set<string>();
    for (const approver of approvalCandidates(alert.agentId, store.approvers.list())) {
      const channel = channels.find((c) => c.kind === approver.channel && c.alert !== undefined && c.reachable(approver));
      const chat = `${approver.channel}\0${approver.address.trim()}`;
      if (!channel || told.has(chat)) continue;
      told.add(chat);
      channel.alert!(alert, approver).catch((err: unknown) => {
        logger.warn('Could not send the alert', { alert: alert.id, to: approver.id, error: errorMessage(err) });
      });
    }
  }
}
