import type { Approval } from '../model/approvals.js';

/** Open long-polls: each waits until `pick` finds something for it, its timeout passes, or its signal aborts. */
export class PendingWaiters<T = Approval> {
  private readonly waiters = new Map<() => void, (result: T[]) => void>();

  /**
   * Resolves with `pick()` at once when non-empty, else with the first non-empty `pick()` after a
   * `wake()`, else with [] after `timeoutMs` or on abort. Never rejects.
   */
  wait(pick: () => T[], timeoutMs: number, signal: AbortSignal): Promise<T[]> {
    const first = pick();
    if (first.length > 0 || signal.aborted || timeoutMs <= 0) return Promise.resolve(first);
    return new Promise((resolve) => {
      const finish = (result: T[]) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(check);
        resolve(result);
      };
      const check = () => {
        const found = pick();
        if (found.length > 0) finish(found);
      };
      const onAbort = () => finish([]);
      const timer = setTimeout(() => finish([]), timeoutMs);
      timer.unref();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.set(check, finish);
    });
  }

  /** Lets every open poll look again (a new approval was routed). */
  wake(): void {
    for (const check of [...this.waiters.keys()]) check();
  }

  /** Ends every open poll with an empty answer (the service is closing). */
  release(): void {
    for (const finish of [...this.waiters.values()]) finish([]);
  }
}
