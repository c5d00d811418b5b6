import type { SqlDatabase } from './sql-database.js';
import type { AuditVerifyReport } from '../model/records.js';
import { verifyChain, type ChainedRow, type ChainKey, type ChainStart } from './audit-chain.js';
import { COLUMNS, toEntry } from './audit-rows.js';
import { inTransaction, statementCache } from './db.js';
import { num, nowIso, numOrNull, text, textOrNull } from './rows.js';

// Rows read per query while verifying: the log can be large, memory stays flat.
const VERIFY_PAGE = 1000;

/** Pruning by retention and verifying the audit log's hash chain. */
export function createAuditIntegrity({ db, chainKey }: { db: SqlDatabase; chainKey: ChainKey }): {
  prune(o: { before: string; batch: number }): number;
  verify(): AuditVerifyReport;
} {
  const sql = statementCache(db);
  const start = (): ChainStart => {
    const row = sql('SELECT legacy_through_id, pruned_through_id, pruned_through_hash, pruned_at FROM audit_chain WHERE id = 1').get();
    if (!row) return { legacyThroughId: 0, pruned: null };
    const throughId = numOrNull(row, 'pruned_through_id');
    return {
      legacyThroughId: num(row, 'legacy_through_id'),
      pruned: throughId === null ? null : { throughId, hash: textOrNull(row, 'pruned_through_hash') ?? '', at: text(row, 'pruned_at') },
    };
  };
  function* rows(): Generator<ChainedRow> {
    let after = -1;
    for (;;) {
      const page = sql(`SELECT ${COLUMNS}, prev_hash, hash FROM audit WHERE id > ? ORDER BY id LIMIT ?`).all(after, VERIFY_PAGE);
      for (const row of page) {
        yield { ...toEntry(row), prevHash: textOrNull(row, 'prev_hash'), hash: textOrNull(row, 'hash') };
      }
      if (page.length < VERIFY_PAGE) return;
      after = num(page[page.length - 1]!, 'id');
    }
  }
  return {
    prune({ before, batch }) {
      return inTransaction(db, () => {
        // Only a prefix of the log goes (oldest ids first), so the boundary is one row.
        const victims = sql('SELECT id, time, hash FROM audit ORDER BY id LIMIT ?').all(batch);
        let last: { id: number; hash: string | null } | null = null;
        for (const row of victims) {
          if (text(row, 'time') >= before) break;
          last = { id: num(row, 'id'), hash: textOrNull(row, 'hash') };
        }
        if (!last) return 0;
        const { changes } = sql('DELETE FROM audit WHERE id <= ?').run(last.id);
        // A legacy row has no hash: the chain then still starts at genesis.
        if (last.hash !== null) {
          sql('UPDATE audit_chain SET pruned_through_id = ?, pruned_through_hash = ?, pruned_at = ? WHERE id = 1').run(last.id, last.hash, nowIso());
        }
        return Number(changes);
      });
    },
    verify() {
      return verifyChain(chainKey, start(), rows());
    },
  };
}
