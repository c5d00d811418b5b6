import { AUDIT_DECISIONS, AuditQuerySchema, type AuditEntry, type AuditQuery } from '../../model/records.js';
import type { ApprovalService } from '../../approvals/types.js';
import type { VaultStore } from '../../store/types.js';
import type { Route } from '../router.js';
import { pendingCount } from './approvals-page.js';
import { toCsv } from './csv.js';
import { page, type GuardOptions } from './dashboard-guard.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './page-layout.js';
import { sendBody, sendHtml } from './page-response.js';

export interface AuditPageOptions {
  guard: GuardOptions;
  store: VaultStore;
  approvals: ApprovalService | undefined;
}

const PAGE_SIZE = 100;
/** The CSV export stops here; narrow the filters for more. */
export const CSV_MAX_ROWS = 100_000;

const COLUMNS = ['time', 'agent', 'method', 'host', 'path', 'secret', 'decision', 'status', 'bytesIn', 'bytesOut', 'durationMs', 'reason'];
const cells = (e: AuditEntry) => [e.time, e.agentIdentifier ?? e.agentId, e.method, e.host, e.path, e.secretName, e.decision, e.status, e.bytesIn, e.bytesOut, Math.round(e.durationMs), e.reason];

/** The page's filters (agent, host, decision, offset) as an audit query; blank fields and junk are dropped. */
export function auditFilters(query: URLSearchParams): { q: AuditQuery; error: string | null } {
  const raw: Record<string, string> = {};
  for (const key of ['agent', 'host', 'decision', 'offset']) {
    const v = query.get(key)?.trim();
    if (v) raw[key] = v;
  }
  const parsed = AuditQuerySchema.safeParse({ ...raw, limit: PAGE_SIZE });
  if (parsed.success) return { q: parsed.data, error: null };
  return { q: AuditQuerySchema.parse({ limit: PAGE_SIZE }), error: 'Some filters were not valid and were ignored' };
}

function filterForm(q: AuditQuery): SafeHtml {
  const decisions = ['', ...AUDIT_DECISIONS].map((d) => html`<option value="${d}"${d === (q.decision ?? '') ? html` selected` : ''}>${d || 'any'}</option>`);
  const params = new URLSearchParams();
  for (const k of ['agent', 'host', 'decision'] as const) if (q[k]) params.set(k, q[k]);
  return html`<form method="get" action="/dashboard/audit" class="filters">
<label>Agent <input name="agent" value="${q.agent ?? ''}"></label><label>Host <input name="host" value="${q.host ?? ''}"></label>
<label>Decision <select name="decision">${decisions}</select></label><button type="submit">Filter</button>
<a href="/dashboard/audit.csv?${params.toString()}" download>Export CSV</a></form>`;
}

function pager(q: AuditQuery, total: number): SafeHtml {
  const link = (offset: number, label: string) => {
    const p = new URLSearchParams();
    for (const k of ['agent', 'host', 'decision'] as const) if (q[k]) p.set(k, q[k]);
    p.set('offset', String(offset));
    return html`<a href="/dashboard/audit?${p.toString()}">${label}</a>`;
  };
  return html`<p>${total} entries.${q.offset > 0 ? html` ${link(Math.max(0, q.offset - PAGE_SIZE), 'Newer')}` : ''}${
    q.offset + PAGE_SIZE < total ? html` ${link(q.offset + PAGE_SIZE, 'Older')}` : ''
  }</p>`;
}

/** The audit log with filters, and its CSV export. */
export function auditRoutes(o: AuditPageOptions): Route[] {
  const { guard, store, approvals } = o;
  const render = page(guard, ({ res, session, query }) => {
    const { q, error } = auditFilters(query);
    const result = store.audit.list(q);
    const rows = result.data.map((e) => html`<tr>${cells(e).map((c) => html`<td>${c ?? ''}</td>`)}</tr>`);
    const body = html`${error ? html`<p class="flash error">${error}</p>` : ''}${filterForm(q)}${pager(q, result.total)}
<table><thead><tr>${COLUMNS.map((c) => html`<th>${c}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
    sendHtml(res, 200, layout({ title: 'Audit log', section: 'audit', session, pendingCount: pendingCount(approvals), body }));
  });
  const csv = page(guard, ({ res, query }) => {
    const { q } = auditFilters(query);
    const lines: (string | number | null)[][] = [COLUMNS];
    for (let offset = 0; offset < CSV_MAX_ROWS; offset += 1000) {
      const chunk = store.audit.list({ ...q, limit: 1000, offset }).data;
      lines.push(...chunk.map(cells));
      if (chunk.length < 1000) break;
    }
    sendBody(res, 200, toCsv(lines), 'text/csv; charset=utf-8', {
      headers: { 'content-disposition': 'attachment; filename="nanoclaw-audit.csv"' },
    });
  });
  return [
    { method: 'GET', path: '/dashboard/audit', public: true, handler: render },
    { method: 'GET', path: '/dashboard/audit.csv', public: true, handler: csv },
  ];
}
