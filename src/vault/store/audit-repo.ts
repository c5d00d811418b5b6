import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { NanoclawError } from '../../common/errors.js';
import type { AuditEntry, AuditQuery, NewAuditEntry } from '../model/records.js';
import { inTransaction, statementCache } from './db.js';
import { num, numOrNull, nowIso, text, textOrNull, type Row } from './rows.js';
import type { AuditPage, AuditStore } from './types.js';

const COLUMNS =
  'id, time, agent_id, agent_identifier, method, host, path, secret_name, decision, status, bytes_in, bytes_out, duration_ms, reason';

function toEntry(row: Row): AuditEntry {
  return {
    id: num(row, 'id'),
    time: text(row, 'time'),
    agentId: textOrNull(row, 'agent_id'),
    agentIdentifier: textOrNull(row, 'agent_identifier'),
    method: text(row, 'method'),
    host: text(row, 'host'),
    path: text(row, 'path'),
    secretName: textOrNull(row, 'secret_name'),
    decision: text(row, 'decision') as AuditEntry['decision'],
    status: numOrNull(row, 'status'),
    bytesIn: num(row, 'bytes_in'),
    bytesOut: num(row, 'bytes_out'),
    durationMs: num(row, 'duration_ms'),
    reason: textOrNull(row, 'reason'),
  };
}

/** The WHERE clause of an audit query; times compare as text because all are stored in UTC ISO form. */
export function auditFilter(query: Partial<AuditQuery>): { where: string; params: SQLInputValue[] } {
  const clauses: string[] = [];
  const params: SQLInputValue[] = [];
  const add = (clause: string, ...values: SQLInputValue[]) => {
    clauses.push(clause);
    params.push(...values);
  };
  if (query.agent) add('(agent_id = ? OR agent_identifier = ?)', query.agent, query.agent);
  if (query.secret) add('secret_name = ?', query.secret);
  if (query.host) add('host = ?', query.host.toLowerCase());
  if (query.since) add('time >= ?', isoOrThrow(query.since));
  if (query.status !== undefined) add('status = ?', query.status);
  if (query.decision) add('decision = ?', query.decision);
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

function isoOrThrow(since: string, field = 'since'): string {
  const at = new Date(since);
  if (Number.isNaN(at.getTime())) {
    throw new NanoclawError('validation_error', `${field}: "${since}" is not a date and time`, {
      hint: 'Use an ISO 8601 time such as 2025-01-31T12:00:00Z',
    });
  }
  return nowIso(at);
}

/** The gateway's request log, newest first. */
export function createAuditRepo({ db }: { db: DatabaseSync }): AuditStore {
  const sql = statementCache(db);
  // Rows of a batch mostly share their time (the recorder stamps them to the millisecond):
  // the last one checked is remembered instead of parsing and formatting it again.
  let lastTime: { given: string; iso: string } | null = null;
  const checkedTime = (given: string): string => {
    if (lastTime?.given !== given) lastTime = { given, iso: isoOrThrow(given, 'time') };
    return lastTime.iso;
  };
  const insert = (entry: NewAuditEntry): { id: number; time: string; host: string } => {
    const time = entry.time ? checkedTime(entry.time) : nowIso();
    const host = entry.host.toLowerCase();
    const { lastInsertRowid } = sql(
      `INSERT INTO audit (time, agent_id, agent_identifier, method, host, path, secret_name, decision, status,
         bytes_in, bytes_out, duration_ms, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      time,
      entry.agentId,
      entry.agentIdentifier,
      entry.method,
      host,
      entry.path,
      entry.secretName,
      entry.decision,
      entry.status,
      entry.bytesIn,
      entry.bytesOut,
      entry.durationMs,
      entry.reason,
    );
    return { id: Number(lastInsertRowid), time, host };
  };
  const repo: AuditStore = {
    appendMany(entries: NewAuditEntry[]): void {
      // One commit for the batch: a commit per row costs an fsync each under WAL.
      inTransaction(db, () => {
        for (const entry of entries) insert(entry);
      });
    },
    append(entry: NewAuditEntry): AuditEntry {
      const { id, time, host } = insert(entry);
      return {
        id,
        time,
        agentId: entry.agentId,
        agentIdentifier: entry.agentIdentifier,
        method: entry.method,
        host,
        path: entry.path,
        secretName: entry.secretName,
        decision: entry.decision,
        status: entry.status,
        bytesIn: entry.bytesIn,
        bytesOut: entry.bytesOut,
        durationMs: entry.durationMs,
        reason: entry.reason,
      };
    },
    list(query: AuditQuery): AuditPage {
      const limit = query.limit ?? 100;
      const offset = query.offset ?? 0;
      const { where, params } = auditFilter(query);
      // Built from fixed clause strings only; every value goes through a bound parameter.
      const total = num(sql(`SELECT COUNT(*) AS n FROM audit ${where}`).get(...params)!, 'n');
      const data = sql(`SELECT ${COLUMNS} FROM audit ${where} ORDER BY time DESC, id DESC LIMIT ? OFFSET ?`)
        .all(...params, limit, offset)
        .map(toEntry);
      return { data, total, limit, offset };
    },
  };
  return repo;
}
