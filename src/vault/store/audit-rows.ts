import type { AuditEntry } from '../model/records.js';
import { num, numOrNull, text, textOrNull, type Row } from './rows.js';

export const COLUMNS =
  'id, time, agent_id, agent_identifier, method, host, path, secret_name, decision, status, bytes_in, bytes_out, duration_ms, reason';

/** A row as the API returns it (the chain columns stay in the store). */
export function toEntry(row: Row): AuditEntry {
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
