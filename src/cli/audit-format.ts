import type { AuditEntry } from '../vault/model/records.js';

const COLUMNS = [
  'time',
  'agentIdentifier',
  'method',
  'host',
  'path',
  'secretName',
  'decision',
  'status',
  'bytesIn',
  'bytesOut',
  'durationMs',
  'reason',
] as const satisfies readonly (keyof AuditEntry)[];

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  // A leading = + - @ would be run as a formula by spreadsheet apps (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** RFC 4180 CSV with a header row. */
export function auditToCsv(rows: AuditEntry[]): string {
  const lines = [COLUMNS.join(',')];
  for (const row of rows) lines.push(COLUMNS.map((c) => csvCell(row[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** A fixed-width table for people; scripts use --json. */
export function auditToTable(rows: AuditEntry[]): string {
  const shown = ['time', 'agentIdentifier', 'method', 'host', 'path', 'secretName', 'decision', 'status'] as const;
  const header = ['TIME', 'AGENT', 'METHOD', 'HOST', 'PATH', 'SECRET', 'DECISION', 'STATUS'];
  const cells = rows.map((r) => shown.map((c) => (r[c] === null ? '-' : String(r[c]))));
  const widths = header.map((h, i) => Math.min(48, Math.max(h.length, ...cells.map((row) => row[i]!.length))));
  const fmt = (row: string[]) => row.map((c, i) => c.slice(0, widths[i]).padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(header), ...cells.map(fmt)].join('\n') + '\n';
}
