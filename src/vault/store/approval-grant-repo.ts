import type { SqlDatabase } from './sql-database.js';
import type { ApprovalGrant } from '../model/approvals.js';
import { randomId } from './crypto.js';
import { statementCache } from './db.js';
import { nowIso, text, textOrNull, type Row } from './rows.js';
import type { ApprovalGrantStore } from './types.js';

const COLUMNS = 'id, agent_id, secret_id, method, host, path_prefix, approval_id, created_at, expires_at';

function toGrant(row: Row): ApprovalGrant {
  return {
    id: text(row, 'id'),
    agentId: text(row, 'agent_id'),
    secretId: textOrNull(row, 'secret_id'),
    method: text(row, 'method'),
    host: text(row, 'host'),
    pathPrefix: text(row, 'path_prefix'),
    approvalId: text(row, 'approval_id'),
    createdAt: text(row, 'created_at'),
    expiresAt: text(row, 'expires_at'),
  };
}

/** Time-boxed "approve for N minutes" grants. Expired rows stay until revoked; queries skip them. */
export function createApprovalGrantRepo({ db }: { db: SqlDatabase }): ApprovalGrantStore {
  const sql = statementCache(db);
  return {
    create(input) {
      const id = randomId('agr');
      sql(`INSERT INTO approval_grants (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        id,
        input.agentId,
        input.secretId,
        input.method.toUpperCase(),
        input.host.toLowerCase(),
        input.pathPrefix,
        input.approvalId,
        nowIso(),
        input.expiresAt,
      );
      return toGrant(sql(`SELECT ${COLUMNS} FROM approval_grants WHERE id = ?`).get(id)!);
    },
    listLive(now) {
      return sql(`SELECT ${COLUMNS} FROM approval_grants WHERE expires_at > ? ORDER BY created_at DESC, rowid DESC`).all(now).map(toGrant);
    },
    candidates({ agentId, method, host, now }) {
      return sql(`SELECT ${COLUMNS} FROM approval_grants WHERE agent_id = ? AND method = ? AND host = ? AND expires_at > ?`)
        .all(agentId, method.toUpperCase(), host.toLowerCase(), now)
        .map(toGrant);
    },
    delete: (id) => Number(sql('DELETE FROM approval_grants WHERE id = ?').run(id).changes) > 0,
  };
}
