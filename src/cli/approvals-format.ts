import type { Alert, Approval, ApprovalGrant } from '../vault/api/approval-schemas.js';
import { headerLines, unseenBodyNote } from '../vault/approvals/body-note.js';
import { formatTable } from './table-format.js';

// C0/C1 controls and DEL except tab and newline: an agent chooses the path, headers and body, and
// must not be able to move the cursor or recolour the approver's terminal.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Agent-controlled text made safe to print: control characters shown as \xNN. */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** "2m 05s" from milliseconds; "0s" when past. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** `POST api.example.com/v1/x`: how a card names the request. */
export function requestLine(a: Pick<Approval, 'method' | 'host' | 'path'>): string {
  return printable(`${a.method} ${a.host}${a.path}`);
}

function outcome(a: Approval, now: number): string {
  if (a.status === 'pending') return `pending, ${duration(Date.parse(a.expiresAt) - now)} left`;
  return a.reason && a.reason !== a.status ? `${a.status} (${printable(a.reason)})` : a.status;
}

/** One row per approval, newest first as the API gives them. */
export function approvalsTable(rows: Approval[], now = Date.now()): string {
  const header = ['ID', 'CREATED', 'AGENT', 'REQUEST', 'SECRET', 'STATUS', 'BY'];
  const cells = rows.map((a) => [a.id, a.createdAt, a.agentIdentifier, requestLine(a), a.secretName ?? '-', outcome(a, now), a.decidedBy ?? a.routedTo ?? '-']);
  return formatTable(header, cells, 60);
}

/** Everything an approver needs to decide, as labelled lines; the body preview last. */
export function approvalDetail(a: Approval, now = Date.now()): string {
  const lines = [
    `Approval ${a.id}`,
    `  Request:  ${requestLine(a)}`,
    `  Agent:    ${a.agentIdentifier}`,
    `  Secret:   ${a.secretName ?? '-'}`,
    `  Status:   ${outcome(a, now)}`,
    `  Created:  ${a.createdAt}`,
    `  Expires:  ${a.expiresAt}`,
    `  Sent to:  ${a.routedTo ?? '-'}`,
  ];
  if (a.decidedAt) lines.push(`  Decided:  ${a.decidedAt}${a.decidedBy ? ` by ${a.decidedBy}` : ''}`);
  const headers = headerLines(a.headers);
  if (headers.length > 0) lines.push('  Headers:', ...headers.map((line) => printable(`    ${line}`)));
  lines.push(a.bodyPreview ? `  Body:\n${printable(a.bodyPreview).replace(/^/gm, '    ')}` : '  Body:     (none)');
  const unseen = unseenBodyNote(a);
  if (unseen) lines.push(`  ${unseen}`);
  return lines.join('\n') + '\n';
}

/** Live "approve for N minutes" grants. */
/** Alerts as a table: when, which agent, the request, the decoy. */
export function alertsTable(rows: Alert[]): string {
  return formatTable(['TIME', 'AGENT', 'REQUEST', 'DECOY'], rows.map((a) => [a.time, a.agentIdentifier, printable(`${a.method} ${a.host}${a.path}`), a.secretName]), 60);
}

export function grantsTable(rows: ApprovalGrant[], now = Date.now()): string {
  const header = ['ID', 'AGENT', 'REQUESTS', 'SECRET', 'LEFT', 'APPROVAL'];
  const cells = rows.map((g) => [g.id, g.agentId, printable(`${g.method} ${g.host}${g.pathPrefix}*`), g.secretId ?? '-', duration(Date.parse(g.expiresAt) - now), g.approvalId]);
  return formatTable(header, cells, 60);
}
