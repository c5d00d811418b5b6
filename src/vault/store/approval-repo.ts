import type { SqlDatabase } from './sql-database.js';
import type { Approval, ApprovalKind, ApprovalStatus } from '../model/approvals.js';
import { statementCache } from './db.js';
import { num, numOrNull, text, textOrNull, type Row } from './rows.js';
import type { ApprovalSettlement, ApprovalStore, NewApproval } from './types.js';

const COLUMNS =
  'id, agent_id, agent_identifier, secret_id, secret_name, rule_id, method, host, path, headers, body_preview, body_digest, ' +
  'body_seen, body_unseen, status, reason, routed_to, decided_by, created_at, expires_at, decided_at, kind';

function toApproval(row: Row): Approval {
  return {
    id: text(row, 'id'),
    agentId: text(row, 'agent_id'),
    agentIdentifier: text(row, 'agent_identifier'),
    secretId: textOrNull(row, 'secret_id'),
    secretName: textOrNull(row, 'secret_name'),
    ruleId: textOrNull(row, 'rule_id'),
    method: text(row, 'method'),
    host: text(row, 'host'),
    path: text(row, 'path'),
    headers: JSON.parse(text(row, 'headers')) as Record<string, string>,
    bodyPreview: text(row, 'body_preview'),
    bodyDigest: text(row, 'body_digest'),
    bodySeen: num(row, 'body_seen'),
    bodyUnseen: numOrNull(row, 'body_unseen'),
    status: text(row, 'status') as ApprovalStatus,
    reason: textOrNull(row, 'reason'),
    routedTo: textOrNull(row, 'routed_to'),
    decidedBy: textOrNull(row, 'decided_by'),
    createdAt: text(row, 'created_at'),
    expiresAt: text(row, 'expires_at'),
    decidedAt: textOrNull(row, 'decided_at'),
    kind: text(row, 'kind') as ApprovalKind,
  };
}

/** Held requests and what became of them. Previews are stored as given: the gateway redacts them first. */
export function createApprovalRepo({ db }: { db: SqlDatabase }): ApprovalStore {
  const sql = statementCache(db);
  const get = (id: string): Approval | null => {
    const row = sql(`SELECT ${COLUMNS} FROM approvals WHERE id = ?`).get(id);
    return row ? toApproval(row) : null;
  };
  return {
    create(a: NewApproval) {
      sql(
        `INSERT INTO approvals (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', NULL, ?, NULL, ?, ?, NULL, ?)`,
      ).run(
        a.id,
        a.agentId,
        a.agentIdentifier,
        a.secretId,
        a.secretName,
        a.ruleId,
        a.method,
        a.host,
        a.path,
        JSON.stringify(a.headers),
        a.bodyPreview,
        a.bodyDigest,
        a.bodySeen,
        a.bodyUnseen,
        a.routedTo,
        a.createdAt,
        a.expiresAt,
        a.kind ?? 'request',
      );
      return get(a.id)!;
    },
    get,
    list({ status, limit = 100 } = {}) {
      const rows = status
        ? sql(`SELECT ${COLUMNS} FROM approvals WHERE status = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`).all(status, limit)
        : sql(`SELECT ${COLUMNS} FROM approvals ORDER BY created_at DESC, rowid DESC LIMIT ?`).all(limit);
      return rows.map(toApproval);
    },
    setRoutedTo(id, routedTo) {
      sql("UPDATE approvals SET routed_to = ? WHERE id = ? AND status = 'pending'").run(routedTo, id);
      return get(id);
    },
    settle(id, s: ApprovalSettlement) {
      const { changes } = sql(
        "UPDATE approvals SET status = ?, reason = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'",
      ).run(s.status, s.reason, s.decidedBy, s.decidedAt, id);
      return Number(changes) > 0 ? get(id) : null;
    },
  };
}
