import type { AuditEntry } from '../model/records.js';
import { num, numOrNull, text, textOrNull, type Row } from './rows.js';

/**
 * The columns of a row's chained fields, in the order its MAC covers them (`chainedFields` in
 * audit-chain.ts), with their Postgres types: every statement that writes a row lists them from here.
 */
export const CHAINED_COLUMNS = [
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
] as const;

export const COLUMNS = ['id', ...CHAINED_COLUMNS.map(([name]) => name)].join(', ');

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
