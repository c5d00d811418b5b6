import type { Redactor } from '../../../common/redact.js';
import type { Approval } from '../../model/approvals.js';
import { headerLines, unseenBodyNote } from '../../approvals/body-note.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './page-layout.js';
import type { DashboardSession } from './sessions.js';

/**
 * What a card shows, and all the event stream sends: the normalised target with its query, the
 * headers (credential ones already removed), the body, and what of it goes unseen; agent-chosen
 * text passed once more through the redactor.
 */
export interface CardData {
  id: string;
  kind: Approval['kind'];
  agentIdentifier: string;
  method: string;
  host: string;
  path: string;
  secretName: string | null;
  headers: string[];
  bodyPreview: string;
  /** Set when part of the body is not shown (unseenBodyNote). */
  unseen: string | null;
  expiresAt: string;
}

export function cardData(a: Approval, redactor: Redactor): CardData {
  return {
    id: a.id,
    kind: a.kind,
    agentIdentifier: a.agentIdentifier,
    method: a.method,
    host: a.host,
    path: redactor.redact(a.path),
    secretName: a.secretName,
    headers: headerLines(a.headers).map((line) => redactor.redact(line)),
    bodyPreview: redactor.redact(a.bodyPreview),
    unseen: unseenBodyNote(a),
    expiresAt: a.expiresAt,
  };
}

/** "2m 5s left" / "expired"; app.js keeps it current. */
export function timeLeft(expiresAt: string, now: number): string {
  const ms = Date.parse(expiresAt) - now;
  if (!(ms > 0)) return 'expired';
  const s = Math.ceil(ms / 1000);
  const m = Math.floor(s / 60);
  return `${m > 0 ? `${m}m ` : ''}${s % 60}s left`;
}

type Choice = 'approve' | 'always' | 'deny';
const CHOICE_LABELS: Record<Choice, string> = { approve: 'Approve', always: 'Allow always', deny: 'Reject' };

function decisionForm(c: CardData, session: DashboardSession, choice: Choice): SafeHtml {
  const grant = html`<select name="grantMinutes"><option value="">this request only</option>
<option value="15">and similar requests for 15 minutes</option><option value="60">and similar requests for 1 hour</option></select>`;
  const label = c.kind === 'new_host' && choice === 'approve' ? 'Allow once' : CHOICE_LABELS[choice];
  const extra = choice === 'always' ? html`<input type="hidden" name="always" value="1">` : choice === 'approve' && c.kind === 'request' ? grant : '';
  return html`<form method="post" action="/dashboard/approvals/${encodeURIComponent(c.id)}/decide">${csrfField(session)}
<input type="hidden" name="decision" value="${choice === 'deny' ? 'deny' : 'approve'}">${extra}
<button type="submit" class="${choice === 'deny' ? 'reject' : 'approve'}">${label}</button></form>`;
}

/** The "Credentials Request" card (or "New host" in egress mode ask), the same structure app.js builds for live arrivals. */
export function renderCard(c: CardData, session: DashboardSession, now: number): SafeHtml {
  const choices: Choice[] = c.kind === 'new_host' ? ['approve', 'always', 'deny'] : ['approve', 'deny'];
  return html`<article class="card" id="approval-${c.id}" data-approval-id="${c.id}"><h2>${c.kind === 'new_host' ? 'New host' : 'Credentials Request'}</h2>
<dl><dt>Agent</dt><dd><span class="agent">${c.agentIdentifier}</span></dd>
<dt>Request</dt><dd><code class="request">${c.method} ${c.host}${c.path}</code></dd>
<dt>Secret</dt><dd><span class="secret">${c.secretName ?? '(none)'}</span></dd>
${c.headers.length > 0 ? html`<dt>Headers</dt><dd><pre class="headers">${c.headers.join('\n')}</pre></dd>` : ''}</dl>
${c.bodyPreview ? html`<pre class="preview">${c.bodyPreview}</pre>` : html`<p class="muted">No body</p>`}
${c.unseen ? html`<p class="unseen">${c.unseen}</p>` : ''}
<p class="time-left" data-expires-at="${c.expiresAt}">${timeLeft(c.expiresAt, now)}</p>
<div class="actions">${choices.map((choice) => decisionForm(c, session, choice))}</div></article>`;
}
