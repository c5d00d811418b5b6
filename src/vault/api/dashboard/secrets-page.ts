import { oauthValueProblem } from '../../oauth/oauth-value.js';
import { NanoclawError } from '../../../common/errors.js';
import type { Secret } from '../../model/records.js';
import type { VaultStore } from '../../store/types.js';
import type { Route } from '../router.js';
import { newSecret } from '../new-secret.js';
import { pendingCount } from './approvals-page.js';
import type { ApprovalService } from '../../approvals/types.js';
import { action, page, type GuardOptions } from './dashboard-guard.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, layout } from './page-layout.js';
import { redirect, sendHtml } from './page-response.js';
import { EMPTY_SECRET_FORM, parseRotateForm, parseSecretForm, renderSecretForm, valueInput, type SecretFormState } from './secret-form.js';
import type { DashboardSession } from './sessions.js';

export interface SecretsPageOptions {
  guard: GuardOptions;
  store: VaultStore;
  approvals: ApprovalService | undefined;
}

/** Secret id → identifiers of the agents that may use it (mode "all" agents use every secret). */
export function grantsBySecret(store: VaultStore): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const secrets = store.secrets.list();
  for (const agent of store.agents.list()) {
    const ids = agent.secretMode === 'all' ? secrets.map((s) => s.id) : (store.agents.getSecretIds(agent.id) ?? []);
    for (const id of ids) out.set(id, [...(out.get(id) ?? []), agent.identifier]);
  }
  return out;
}

function injection(s: Secret): string {
  const c = s.injectionConfig;
  if (!c) return 'default';
  return 'headerName' in c ? `header ${c.headerName}${c.valueFormat ? `: ${c.valueFormat}` : ''}` : `?${c.paramName}=${c.paramFormat ?? '{value}'}`;
}

function row(s: Secret, agents: string[], session: DashboardSession): SafeHtml {
  const id = encodeURIComponent(s.id);
  return html`<tr id="secret-${s.id}"><td>${s.name}</td><td>${s.type}</td><td><code>${s.hostPattern}</code></td><td><code>${s.pathPattern ?? '*'}</code></td>
<td>${injection(s)}</td><td>${agents.length ? agents.join(', ') : html`<span class="muted">none</span>`}</td><td>${s.lastUsedAt ?? html`<span class="muted">never</span>`}</td>
<td><form method="post" action="/dashboard/secrets/${id}/rotate" class="inline" autocomplete="off">${csrfField(session)}${valueInput(`rotate-${s.id}`)}<button type="submit">Rotate</button></form>
<form method="post" action="/dashboard/secrets/${id}/delete" class="inline">${csrfField(session)}<button type="submit">Delete</button></form></td></tr>`;
}

/** The secrets table and create form; `state`/`errors` refill the form after a failed create. */
export function secretsBody(store: VaultStore, session: DashboardSession, state: SecretFormState = EMPTY_SECRET_FORM, errors: string[] = []): SafeHtml {
  const grants = grantsBySecret(store);
  const secrets = store.secrets.list();
  const table = secrets.length
    ? html`<table><thead><tr><th>Name</th><th>Type</th><th>Host</th><th>Path</th><th>Injection</th><th>Agents with access</th><th>Last used</th><th>New value</th></tr></thead>
<tbody>${secrets.map((s) => row(s, grants.get(s.id) ?? [], session))}</tbody></table>`
    : html`<p class="muted">No secrets yet.</p>`;
  return html`${table}<h2>Add a secret</h2>${renderSecretForm(state, session, errors)}`;
}

/** Secrets: list, create, rotate (write-only value), delete. */
export function secretsRoutes(o: SecretsPageOptions): Route[] {
  const { guard, store, approvals } = o;
  const show = (session: DashboardSession, body: SafeHtml) =>
    layout({ title: 'Secrets', section: 'secrets', session, pendingCount: pendingCount(approvals), body });
  const mustGet = (id: string) => {
    const secret = store.secrets.get(id);
    if (!secret) throw new NanoclawError('not_found', `No secret with id ${id}`, { details: { status: 404 } });
    return secret;
  };
  return [
    { method: 'GET', path: '/dashboard/secrets', public: true, handler: page(guard, ({ res, session }) => sendHtml(res, 200, show(session, secretsBody(store, session)))) },
    {
      method: 'POST',
      path: '/dashboard/secrets',
      public: true,
      handler: action(guard, ({ res, session, form }) => {
        const parsed = parseSecretForm(form);
        if (!parsed.ok) return sendHtml(res, 400, show(session, secretsBody(store, session, parsed.state, parsed.errors)));
        try {
          const created = store.secrets.create(newSecret(parsed.body));
          session.flash = { kind: 'ok', text: `Created secret ${created.name} for ${created.hostPattern}; grant it to agents on the Agents page` };
        } catch (err) {
          if (!(err instanceof NanoclawError)) throw err;
          return sendHtml(res, err.code === 'conflict' ? 409 : 400, show(session, secretsBody(store, session, parsed.state, [err.message])));
        }
        redirect(res, '/dashboard/secrets');
      }),
    },
    {
      method: 'POST',
      path: '/dashboard/secrets/:id/rotate',
      public: true,
      handler: action(guard, ({ res, session, form, params }) => {
        const secret = mustGet(params.id!);
        const rotated = parseRotateForm(form);
        // An OAuth connection's value is its tokens as JSON; reconnecting is the usual way to replace them.
        const problem = rotated.ok && secret.type === 'oauth2' ? oauthValueProblem(rotated.value) : null;
        const parsed = problem ? { ok: false as const, errors: [problem] } : rotated;
        if (parsed.ok) store.secrets.update(secret.id, { value: parsed.value });
        session.flash = parsed.ok
          ? { kind: 'ok', text: `Rotated the value of ${secret.name}` }
          : { kind: 'error', text: `Did not rotate ${secret.name}: ${parsed.errors.join('; ')}` };
        redirect(res, '/dashboard/secrets');
      }),
    },
    {
      method: 'POST',
      path: '/dashboard/secrets/:id/delete',
      public: true,
      handler: action(guard, ({ res, session, params }) => {
        const secret = mustGet(params.id!);
        store.secrets.delete(secret.id);
        session.flash = { kind: 'ok', text: `Deleted secret ${secret.name}` };
        redirect(res, '/dashboard/secrets');
      }),
    },
  ];
}
