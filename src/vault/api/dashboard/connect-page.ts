import type { ApprovalService } from '../../approvals/types.js';
import { hostMatches } from '../../inject/host-pattern.js';
import { serviceForHost } from '../../inject/known-hosts.js';
import { HostPatternSchema } from '../../model/records.js';
import type { VaultStore } from '../../store/types.js';
import type { Route } from '../router.js';
import { pendingCount } from './approvals-page.js';
import { guarded, page, type GuardOptions } from './dashboard-guard.js';
import { html } from './html.js';
import { layout } from './page-layout.js';
import { redirect, sendHtml } from './page-response.js';
import { renderOAuthForm } from './oauth-connect.js';
import { EMPTY_SECRET_FORM, renderSecretForm } from './secret-form.js';

/** The `host` query parameter when it is a valid host name, else null. */
export function connectHost(query: URLSearchParams): string | null {
  const parsed = HostPatternSchema.safeParse(query.get('host') ?? '');
  return parsed.success ? parsed.data : null;
}

/**
 * `/dashboard/connect?host=…`: where the gateway's `connect_url` leads (it builds `<api>/connect?host=…`,
 * so `/connect` redirects here): the create-secret form, prefilled with the host.
 */
export function connectRoutes(o: { guard: GuardOptions; store: VaultStore; approvals: ApprovalService | undefined }): Route[] {
  const { guard, store, approvals } = o;
  const render = page(guard, ({ res, session, query }) => {
    const host = connectHost(query);
    const existing = host ? store.secrets.list().filter((s) => hostMatches(s.hostPattern, host)) : [];
    // A known service's pattern: one GitHub token for git on github.com and the API.
    const service = host ? serviceForHost(host) : undefined;
    const prefill = service && !service.hostPattern.includes('*') ? { hostPattern: service.hostPattern, name: service.service } : host ? { hostPattern: host, name: host } : {};
    const state = { ...EMPTY_SECRET_FORM, ...prefill };
    const body = html`<p>${host ? html`An agent asked for a credential for <code>${host}</code>. ` : ''}Add it here: the value is stored encrypted
in the vault and injected into that host's requests; agents never see it. Then grant it to the agent on the <a href="/dashboard/agents">Agents</a> page.</p>
${existing.length ? html`<p class="muted">Already stored for this host: ${existing.map((s) => s.name).join(', ')} (check the agent's grants).</p>` : ''}
${renderSecretForm(state, session)}
${renderOAuthForm({ session, service, ...(host && !service ? { name: host, hostPattern: host } : {}) })}`;
    sendHtml(res, 200, layout({ title: 'Connect a credential', section: 'connect', session, pendingCount: pendingCount(approvals), body }));
  });
  const fromGateway = guarded(guard, ({ res, query }) => {
    const host = connectHost(query);
    redirect(res, host ? `/dashboard/connect?host=${encodeURIComponent(host)}` : '/dashboard/connect');
  });
  return [
    { method: 'GET', path: '/dashboard/connect', public: true, handler: render },
    { method: 'GET', path: '/connect', public: true, handler: fromGateway },
  ];
}
