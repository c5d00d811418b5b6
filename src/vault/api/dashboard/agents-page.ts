import { NanoclawError } from '../../../common/errors.js';
import { SecretModeSchema, type Agent, type Secret } from '../../model/records.js';
import type { ApprovalService } from '../../approvals/types.js';
import type { VaultStore } from '../../store/types.js';
import type { Route } from '../router.js';
import { pendingCount } from './approvals-page.js';
import { action, page, type GuardOptions } from './dashboard-guard.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, layout } from './page-layout.js';
import { redirect, sendHtml } from './page-response.js';
import type { DashboardSession } from './sessions.js';

export interface AgentsPageOptions {
  guard: GuardOptions;
  store: VaultStore;
  approvals: ApprovalService | undefined;
}

function grantForm(agent: Agent, secrets: Secret[], granted: Set<string>, session: DashboardSession): SafeHtml {
  const modes = SecretModeSchema.options.map(
    (m) => html`<option value="${m}"${m === agent.secretMode ? html` selected` : ''}>${m === 'all' ? 'every secret' : 'only the ticked secrets'}</option>`,
  );
  const boxes = secrets.map(
    (s) => html`<label><input type="checkbox" name="secretIds" value="${s.id}"${granted.has(s.id) ? html` checked` : ''}> ${s.name} <span class="muted">(${s.hostPattern})</span></label>`,
  );
  return html`<form method="post" action="/dashboard/agents/${encodeURIComponent(agent.id)}/grants" class="stack">${csrfField(session)}
<label>May use<select name="secretMode">${modes}</select></label>${secrets.length ? boxes : html`<p class="muted">No secrets to grant yet.</p>`}
<button type="submit">Save grants</button></form>`;
}

function section(store: VaultStore, agent: Agent, secrets: Secret[], session: DashboardSession): SafeHtml {
  const granted = new Set(store.agents.getSecretIds(agent.id) ?? []);
  const using = agent.secretMode === 'all' ? secrets : secrets.filter((s) => granted.has(s.id));
  return html`<section id="agent-${agent.id}"><h2>${agent.name} <span class="muted">(${agent.identifier})</span></h2>
<p>Egress: ${agent.egressPolicy}${agent.allowHosts.length ? ` (${agent.allowHosts.join(', ')})` : ''}. Uses: ${using.length ? using.map((s) => s.name).join(', ') : 'no secrets'}.</p>
${grantForm(agent, secrets, granted, session)}</section>`;
}

/** Agents and which secrets each may use. */
export function agentsRoutes(o: AgentsPageOptions): Route[] {
  const { guard, store, approvals } = o;
  const render = page(guard, ({ res, session }) => {
    const secrets = store.secrets.list();
    const agents = store.agents.list();
    const body = agents.length
      ? html`${agents.map((a) => section(store, a, secrets, session))}`
      : html`<p class="muted">No agents yet; <code>ncl launch</code> registers one per group.</p>`;
    sendHtml(res, 200, layout({ title: 'Agents', section: 'agents', session, pendingCount: pendingCount(approvals), body }));
  });
  const save = action(guard, ({ res, session, form, params }) => {
    const agent = store.agents.get(params.id!);
    if (!agent) throw new NanoclawError('not_found', `No agent with id ${params.id}`, { details: { status: 404 } });
    const mode = SecretModeSchema.safeParse(form.get('secretMode'));
    if (!mode.success) throw new NanoclawError('validation_error', 'secretMode: choose every secret or only the ticked ones', { details: { status: 400 } });
    const known = new Set(store.secrets.list().map((s) => s.id));
    const ids = [...new Set(form.getAll('secretIds'))];
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length) throw new NanoclawError('validation_error', `No secret with id ${unknown[0]}`, { details: { status: 400 } });
    store.agents.setSecretIds(agent.id, ids);
    store.agents.update(agent.id, { secretMode: mode.data });
    session.flash = { kind: 'ok', text: `Saved the grants of ${agent.identifier}` };
    redirect(res, '/dashboard/agents');
  });
  return [
    { method: 'GET', path: '/dashboard/agents', public: true, handler: render },
    { method: 'POST', path: '/dashboard/agents/:id/grants', public: true, handler: save },
  ];
}
