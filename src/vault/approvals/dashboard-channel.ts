import type { Approver } from '../model/approvals.js';
import type { ApprovalChannel } from './types.js';

/** People with the dashboard open: reachable while at least one event stream is. Cards arrive through the service's events. */
export class DashboardChannel implements ApprovalChannel {
  readonly kind = 'dashboard' as const;
  private viewers = 0;

  /** Counts one open event stream; call the returned function when it closes (idempotent). */
  viewerOpened(): () => void {
    this.viewers += 1;
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.viewers -= 1;
    };
  }

  reachable(approver: Approver): boolean {
    return approver.channel === 'dashboard' && this.viewers > 0;
  }

  async present(): Promise<void> {}

  async settle(): Promise<void> {}
}
