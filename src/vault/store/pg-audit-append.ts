import type { AuditEntry, NewAuditEntry } from '../model/records.js';
import type { ChainKey } from './audit-chain.js';
import { auditRowChecker } from './audit-repo.js';
import type { PgBridge } from './pg-bridge.js';

/** A row as the worker MACs and stores it (audit-chain.ts's fields). */
export type PgAuditRow = Omit<AuditEntry, 'id'>;

const COLUMNS = [
  ['time', 'text'],
  ['agent_id', 'text'],
  ['agent_identifier', 'text'],
  ['method', 'text'],
  ['host', 'text'],
  ['path', 'text'],
  ['secret_name', 'text'],
  ['decision', 'text'],
  ['status', 'bigint'],
  ['bytes_in', 'bigint'],
  ['bytes_out', 'bigint'],
  ['duration_ms', 'float8'],
  ['reason', 'text'],
  ['prev_hash', 'text'],
  ['hash', 'text'],
] as const;

/** The whole batch in one statement, one array per column, in the order given (ids follow it). */
const INSERT = `INSERT INTO audit (${COLUMNS.map(([c]) => c).join(', ')})
  SELECT ${COLUMNS.map(([c]) => c).join(', ')}
  FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) WITH ORDINALITY AS r(${COLUMNS.map(([c]) => c).join(', ')}, n)
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
    bridge.postAudit({ text: INSERT, rows: entries.map(checked), chainKey });
  };
}
