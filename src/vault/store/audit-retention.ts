import { setImmediate as nextTurn } from 'node:timers/promises';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { AuditStore } from './types.js';

const DAY_MS = 86_400_000;

export interface AuditRetentionOptions {
  audit: Pick<AuditStore, 'prune'>;
  /** Rows older than this many days go (NANOCLAW_AUDIT_RETENTION_DAYS). */
  days: number;
  logger: Logger;
  /** Rows per transaction: small, so a write lock is never held for long. */
  batch?: number;
  /** How often to prune; the first pass runs right after start. */
  everyMs?: number;
  now?: () => number;
}

export interface AuditRetention {
  /** One pass: prunes batch after batch, yielding to the event loop between them; returns the rows removed. */
  runOnce(): Promise<number>;
  stop(): void;
}

/**
 * Prunes the audit log to its retention period in small batches, each its own transaction with a
 * turn of the event loop between them, so the gateway's audit writes and requests never wait long.
 * The boundary is recorded in the chain (audit-chain.ts), so pruning never reads as tampering.
 */
export function startAuditRetention(o: AuditRetentionOptions): AuditRetention {
  const batch = o.batch ?? 500;
  const now = o.now ?? Date.now;
  let running: Promise<number> | null = null;
  let stopped = false;
  const pass = async (): Promise<number> => {
    const before = new Date(now() - o.days * DAY_MS).toISOString();
    let total = 0;
    for (;;) {
      if (stopped) return total;
      const removed = o.audit.prune({ before, batch });
      total += removed;
      if (removed < batch) return total;
      await nextTurn();
    }
  };
  const runOnce = (): Promise<number> => {
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  };
  const tick = () => {
    runOnce().then(
      (n) => n > 0 && o.logger.info('Pruned the audit log', { rows: n, olderThanDays: o.days }),
      (err: unknown) => o.logger.warn('Pruning the audit log failed; will try again', { error: errorMessage(err) }),
    );
  };
  const first = setTimeout(tick, 0);
  const timer = setInterval(tick, o.everyMs ?? 3_600_000);
  first.unref();
  timer.unref();
  return {
    runOnce,
    stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
