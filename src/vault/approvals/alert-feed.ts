import type { Alert, NewAlert } from '../model/approvals.js';
import { randomId } from '../store/crypto.js';
import { PendingWaiters } from './pending-waiters.js';

/** How many alerts the feed keeps for polls that come later (the audit log keeps them all). */
export const ALERTS_KEPT = 500;

export interface AlertScope {
  /** Alerts with a seq above this; one above the newest (a restarted vault) reads from the start. */
  after: number;
  /** Agent ids; empty = every agent. */
  agentIds: string[];
}

/**
 * The alerts of this vault process, newest last, for the dashboard's event stream and the host
 * clients' long-poll (`GET /api/alerts`). Telegram is told by the service as each one is raised.
 */
export class AlertFeed {
  private readonly alerts: Alert[] = [];
  private readonly listeners = new Set<(alert: Alert) => void>();
  private readonly waiters = new PendingWaiters<Alert>();
  private seq = 0;

  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  push(fields: NewAlert): Alert {
    this.seq += 1;
    const alert: Alert = { ...fields, id: randomId('alr'), seq: this.seq, time: new Date(this.now()).toISOString() };
    this.alerts.push(alert);
    if (this.alerts.length > ALERTS_KEPT) this.alerts.shift();
    for (const listener of [...this.listeners]) listener(alert);
    this.waiters.wake();
    return alert;
  }

  /** The kept alerts in scope, oldest first. */
  list(scope: AlertScope): Alert[] {
    const after = scope.after > this.seq ? 0 : scope.after;
    return this.alerts.filter((a) => a.seq > after && (scope.agentIds.length === 0 || scope.agentIds.includes(a.agentId)));
  }

  /** Long-poll: the alerts in scope at once, else the next ones, else [] after `timeoutMs` or on abort. */
  wait(scope: AlertScope, timeoutMs: number, signal: AbortSignal): Promise<Alert[]> {
    return this.waiters.wait(() => this.list(scope), timeoutMs, signal);
  }

  subscribe(listener: (alert: Alert) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ends the open polls (the service is closing). */
  close(): void {
    this.waiters.release();
    this.listeners.clear();
  }
}
