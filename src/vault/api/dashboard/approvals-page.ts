import type { Redactor } from '../../../common/redact.js';
import { DecisionSchema, type Approval } from '../../model/approvals.js';
import type { ApprovalService, DecideResult, Decider } from '../../approvals/types.js';
import type { VaultStore } from '../../store/types.js';
import type { Route } from '../router.js';
import { cardData, renderCard } from './approval-card.js';
import { action, page, type GuardOptions } from './dashboard-guard.js';
import { field } from './form-body.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, layout } from './page-layout.js';
import { redirect, sendHtml } from './page-response.js';
import type { DashboardSession, Flash } from './sessions.js';

export const DASHBOARD_DECIDER: Decider = { kind: 'owner', name: 'dashboard' };

export interface ApprovalsPageOptions {
  guard: GuardOptions;
  store: VaultStore;
  approvals: ApprovalService | undefined;
  redactor: Redactor;
}

/** Pending approvals right now, or null when the vault runs without approvals. */
export function pendingCount(approvals: ApprovalService | undefined): number | null {
  return approvals ? approvals.list({ status: 'pending', limit: 1000 }).length : null;
}

const requestLine = (a: Pick<Approval, 'method' | 'host' | 'path'>) => `${a.method} ${a.host}${a.path}`;

function history(approvals: ApprovalService): SafeHtml {
  const done = approvals.list({ limit: 100 }).filter((a) => a.status !== 'pending').slice(0, 50);
  if (done.length === 0) return html`<p class="muted">No decisions yet.</p>`;
  return html`<table><thead><tr><th>Time</th><th>Agent</th><th>Request</th><th>Outcome</th><th>Reason</th><th>Decided by</th></tr></thead><tbody>${done.map(
    (a) => html`<tr><td>${a.decidedAt ?? a.createdAt}</td><td>${a.agentIdentifier}</td><td><code>${requestLine(a)}</code></td>
<td>${a.status}</td><td>${a.reason ?? ''}</td><td>${a.decidedBy ?? ''}</td></tr>`,
  )}</tbody></table>`;
}

function alertList(approvals: ApprovalService): SafeHtml {
  const recent = approvals.listAlerts({ after: 0, agentIds: [] }).reverse().slice(0, 50);
  if (recent.length === 0) return html`<p class="muted">No honeytoken was used since the vault started.</p>`;
  return html`<table id="alerts"><thead><tr><th>Time</th><th>Agent</th><th>Request</th><th>Decoy</th></tr></thead><tbody>${recent.map(
    (a) => html`<tr><td>${a.time}</td><td>${a.agentIdentifier}</td><td><code>${requestLine(a)}</code></td><td>${a.secretName}</td></tr>`,
  )}</tbody></table>`;
}

function grants(o: ApprovalsPageOptions, approvals: ApprovalService, session: DashboardSession): SafeHtml {
  const live = approvals.listGrants();
  if (live.length === 0) return html`<p class="muted">No time-boxed approvals are active.</p>`;
  const agentName = (id: string) => o.store.agents.get(id)?.identifier ?? id;
  return html`<table><thead><tr><th>Agent</th><th>Covers</th><th>Until</th><th></th></tr></thead><tbody>${live.map(
    (g) => html`<tr><td>${agentName(g.agentId)}</td><td><code>${g.method} ${g.host}${g.pathPrefix}…</code></td><td>${g.expiresAt}</td>
<td><form method="post" action="/dashboard/approvals/grants/${encodeURIComponent(g.id)}/revoke" class="inline">${csrfField(session)}<button type="submit">Revoke</button></form></td></tr>`,
  )}</tbody></table>`;
}

function body(o: ApprovalsPageOptions, session: DashboardSession): SafeHtml {
  const { approvals } = o;
  if (!approvals) return html`<p>Approvals are not enabled in this vault.</p>`;
  const now = Date.now();
  const pending = approvals.list({ status: 'pending', limit: 1000 }).map((a) => renderCard(cardData(a, o.redactor), session, now));
  return html`<p class="muted">Requests held by the gateway until someone decides. New ones appear here while this page is open.</p>
<div id="pending-list" data-csrf="${session.csrf}">${pending}</div>
<p id="pending-empty" class="muted"${pending.length > 0 ? html` hidden` : ''}>No requests are waiting.</p>
<h2>Alerts</h2><p class="muted">Requests refused because they would have used a honeytoken (the audit log keeps them all).</p>${alertList(approvals)}
<h2>Time-boxed approvals</h2>${grants(o, approvals, session)}
<h2>Recent decisions</h2>${history(approvals)}`;
}

function flashFor(result: DecideResult, approve: boolean): Flash {
  switch (result.result) {
    case 'ok': {
      const verb = approve ? 'Approved' : 'Rejected';
      const until = result.grant ? ` (and similar requests until ${result.grant.expiresAt})` : '';
      return { kind: 'ok', text: `${verb} ${requestLine(result.approval)}${until}` };
    }
    case 'not_found':
      return { kind: 'error', text: 'No such approval' };
    case 'expired':
      return { kind: 'error', text: `Too late: ${requestLine(result.approval)} is ${result.approval.status} (${result.approval.reason ?? 'no reason'})` };
    case 'already_decided':
      return { kind: 'error', text: `Already ${result.approval.status}${result.approval.decidedBy ? ` by ${result.approval.decidedBy}` : ''}` };
    case 'forbidden':
      return { kind: 'error', text: 'This approval was routed to someone else' };
  }
}

/** The approvals page, decisions (as the owner "dashboard") and grant revocation. */
export function approvalsRoutes(o: ApprovalsPageOptions): Route[] {
  const { guard, approvals } = o;
  const render = page(guard, ({ res, session }) =>
    sendHtml(res, 200, layout({ title: 'Approvals', section: 'approvals', session, pendingCount: pendingCount(approvals), body: body(o, session) })),
  );
  const decide = action(guard, ({ res, session, form, params }) => {
    const grantMinutes = field(form, 'grantMinutes');
    const parsed = DecisionSchema.safeParse({
      decision: form.get('decision'),
      ...(grantMinutes ? { grantMinutes: Number(grantMinutes) } : {}),
      ...(field(form, 'reason') ? { reason: field(form, 'reason') } : {}),
      ...(field(form, 'always') ? { always: true } : {}),
    });
    if (!approvals || !parsed.success) {
      session.flash = { kind: 'error', text: approvals ? 'The decision form was incomplete; nothing was decided' : 'Approvals are not enabled' };
    } else {
      session.flash = flashFor(approvals.decide(params.id!, parsed.data, DASHBOARD_DECIDER), parsed.data.decision === 'approve');
    }
    redirect(res, '/dashboard/approvals');
  });
  const revoke = action(guard, ({ res, session, params }) => {
    const ok = approvals?.revokeGrant(params.id!) ?? false;
    session.flash = ok ? { kind: 'ok', text: 'Revoked the time-boxed approval' } : { kind: 'error', text: 'No such time-boxed approval' };
    redirect(res, '/dashboard/approvals');
  });
  return [
    { method: 'GET', path: '/dashboard/approvals', public: true, handler: render },
    { method: 'POST', path: '/dashboard/approvals/:id/decide', public: true, handler: decide },
    { method: 'POST', path: '/dashboard/approvals/grants/:id/revoke', public: true, handler: revoke },
  ];
}
