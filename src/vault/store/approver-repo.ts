import type { SqlDatabase } from './sql-database.js';
import type { Approver, NewApprover } from '../model/approvals.js';
import { randomId } from './crypto.js';
import { statementCache } from './db.js';
import { nowIso, text, type Row } from './rows.js';
import type { ApproverStore } from './types.js';

export const APPROVER_COLUMNS = 'id, name, role, agent_ids, channel, address, created_at';

export function toApprover(row: Row): Approver {
  return {
    id: text(row, 'id'),
    name: text(row, 'name'),
    role: text(row, 'role') as Approver['role'],
    agentIds: JSON.parse(text(row, 'agent_ids')) as string[],
    channel: text(row, 'channel') as Approver['channel'],
    address: text(row, 'address'),
    createdAt: text(row, 'created_at'),
  };
}

/** The INSERT shared by create and the snapshot import. */
export function insertApprover(db: SqlDatabase, a: Approver): void {
  db.prepare(`INSERT INTO approvers (${APPROVER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`).run(
    a.id,
    a.name,
    a.role,
    JSON.stringify(a.agentIds),
    a.channel,
    a.address,
    a.createdAt,
  );
}

/** The people (or host clients) who may answer approvals, in the order they were added. */
export function createApproverRepo({ db }: { db: SqlDatabase }): ApproverStore {
  const sql = statementCache(db);
  const get = (id: string): Approver | null => {
    const row = sql(`SELECT ${APPROVER_COLUMNS} FROM approvers WHERE id = ?`).get(id);
    return row ? toApprover(row) : null;
  };
  return {
    list: () => sql(`SELECT ${APPROVER_COLUMNS} FROM approvers ORDER BY rowid`).all().map(toApprover),
    get,
    create(input: NewApprover) {
      const approver: Approver = { ...input, agentIds: [...new Set(input.agentIds)], id: randomId('apv'), createdAt: nowIso() };
      insertApprover(db, approver);
      return get(approver.id)!;
    },
    delete: (id) => Number(sql('DELETE FROM approvers WHERE id = ?').run(id).changes) > 0,
  };
}
