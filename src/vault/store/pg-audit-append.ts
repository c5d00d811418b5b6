import type { AuditEntry, NewAuditEntry } from '../model/records.js';
import type { ChainKey } from './audit-chain.js';
import { auditRowChecker } from './audit-repo.js';
import { CHAINED_COLUMNS } from './audit-rows.js';
import type { PgBridge } from './pg-bridge.js';

/** A row as the worker MACs and stores it (audit-chain.ts's fields). */
export type PgAuditRow = Omit<AuditEntry, 'id'>;

const COLUMNS = [...CHAINED_COLUMNS, ['prev_hash', 'text'], ['hash', 'text']] as const;

/**
 * The whole batch in one statement: one JSON parameter, an array of rows, each an array of the
 * columns' values in COLUMNS' order (ids follow the rows' order). One array per column (unnest)
 * cost node-postgres an escaping pass over every value, most of the worker's time per row. As
 * jsonb, the batch is parsed once; as json, each `->>` parsed its row's text again, 15 times a
 * row, which cost the server about as much as the rest of the insert.
 */
const INSERT = `INSERT INTO audit (${COLUMNS.map(([c]) => c).join(', ')})
  SELECT ${COLUMNS.map(([, type], i) => `(e->>${i})::${type}`).join(', ')}
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r(e, n)
  ORDER BY n`;

/**
 * The Postgres store's `audit.appendMany`: checks the rows here (a bad time throws at once, as on
 * SQLite) and sends them to the worker without waiting, which chains and inserts them in one
 * transaction. The gateway's thread no longer waits four round trips per batch; statements sent
 * after it still see the rows, since the worker runs everything in order. A failure is reported
 * later through the bridge's `onLateErrors`.
 */
export function pgAuditAppend({ bridge, chainKey }: { bridge: PgBridge; chainKey: ChainKey }): (entries: NewAuditEntry[]) => void {
  const checked = auditRowChecker();
  return (entries) => {
    if (entries.length === 0) return;
    bridge.postAudit({ text: INSERT, rows: entries.map(checked.row), chainKey });
  };
}
