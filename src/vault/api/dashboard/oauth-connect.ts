import { z } from 'zod';
import { NanoclawError } from '../../../common/errors.js';
import { KNOWN_SERVICES, type KnownService } from '../../../config/known-services.js';
import { HostPatternSchema, NameSchema } from '../../model/records.js';
import { ConnectFlows } from '../../oauth/connect-flow.js';
import { serializeOAuthValue } from '../../oauth/oauth-value.js';
import type { PostForm } from '../../oauth/token-endpoint.js';
import type { VaultStore } from '../../store/types.js';
import type { Route } from '../router.js';
import { action, guarded, sendErrorPage, type GuardOptions } from './dashboard-guard.js';
import { field } from './form-body.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, layout } from './page-layout.js';
import { sendHtml } from './page-response.js';
import type { DashboardSession } from './sessions.js';

/**
 * Connecting an `oauth2` secret from the dashboard: the authorization-code flow with PKCE and a
 * loopback redirect to the vault. The user brings their OAuth app's client id and secret; the
 * provider's endpoints come from the service catalogue (`oauth`), editable for any other provider.
 */

export const CALLBACK_PATH = '/dashboard/oauth/callback';

const https = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });
const StartSchema = z.object({
  name: NameSchema,
  hostPattern: HostPatternSchema,
  clientId: z.string().trim().min(1, 'is required').max(1024),
  clientSecret: z.string().max(1024).optional(),
  authorizeUrl: https,
  tokenUrl: https,
  scopes: z.string().max(2048).optional(),
  service: z.string().max(128).optional(),
});

/** The OAuth section of the connect page, prefilled from `service` when it has endpoints. */
export function renderOAuthForm(o: { session: DashboardSession; service: KnownService | undefined; name?: string; hostPattern?: string }): SafeHtml {
  const e = o.service?.oauth;
  const input = (name: string, label: string, value = '', type = 'text') =>
    html`<label>${label}<input name="${name}" type="${type}" value="${value}" autocomplete="off" spellcheck="false"></label>`;
  return html`<section id="oauth-connect"><h2>Connect with OAuth${o.service?.oauth ? html` (${o.service.service})` : ''}</h2>
<p class="muted">For APIs that take OAuth 2 tokens (Gmail, Google Calendar, GitHub OAuth apps). Register an OAuth app with the provider,
with the callback URL <code>http://127.0.0.1:10254${CALLBACK_PATH}</code> (Google: a Desktop app client, which takes any loopback port),
and give its client id and secret here. The vault keeps the tokens encrypted and renews them; agents never see them.</p>
<form method="post" action="/dashboard/oauth/start" class="stack" autocomplete="off">${csrfField(o.session)}
<input type="hidden" name="service" value="${o.service?.oauth ? o.service.service : ''}">
${input('name', 'Name', o.name ?? o.service?.service ?? '')}${input('hostPattern', 'Host pattern', o.hostPattern ?? o.service?.hostPattern ?? '')}
${input('clientId', 'Client id')}${input('clientSecret', 'Client secret', '', 'password')}
${input('authorizeUrl', 'Authorize URL', e?.authorizeUrl ?? '')}${input('tokenUrl', 'Token URL', e?.tokenUrl ?? '')}${input('scopes', 'Scopes', e?.scopes.join(' ') ?? '')}
<button type="submit">Continue to the provider</button></form></section>`;
}

export function oauthConnectRoutes(o: { guard: GuardOptions; store: VaultStore; post: PostForm }): Route[] {
  const { guard, store } = o;
  const flows = new ConnectFlows({ post: o.post });
  const start = action(guard, ({ req, res, session, form }) => {
    const parsed = StartSchema.safeParse(Object.fromEntries([...form.keys()].map((k) => [k, field(form, k)])));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new NanoclawError('invalid_form', `${issue.path.join('.')} ${issue.message}`);
    }
    const f = parsed.data;
    const service = KNOWN_SERVICES.find((s) => s.oauth && s.service === f.service);
    const location = flows.begin({
      name: f.name,
      hostPattern: f.hostPattern,
      clientId: f.clientId,
      clientSecret: f.clientSecret ?? null,
      authorizeUrl: f.authorizeUrl,
      tokenUrl: f.tokenUrl,
      scopes: (f.scopes ?? '').split(/\s+/).filter(Boolean),
      ...(service?.oauth?.authorizeParams ? { authorizeParams: service.oauth.authorizeParams } : {}),
      // The dashboard answers only on loopback names (and the public URL's): the host the browser used.
      redirectUri: `http://${req.headers.host}${CALLBACK_PATH}`,
    });
    // A link, not a redirect: the pages' CSP (form-action 'self') stops a form from being redirected off-site.
    const body = html`<p>Sign in at the provider and allow access; it sends you back here.</p>
<p><a id="continue" class="button" href="${location}">Continue to ${new URL(location).host}</a></p>`;
    sendHtml(res, 200, layout({ title: 'Connect with OAuth', section: 'connect', session, pendingCount: null, body }));
  });
  // Public: the provider's redirect is a cross-site navigation, which carries no SameSite=Strict
  // session cookie. The state (unguessable, used once) ties it to the request a session began.
  const callback = guarded(guard, async (ctx) => {
    const q = ctx.query;
    const { request, value } = await flows.finish({ state: q.get('state') ?? '', code: q.get('code'), error: q.get('error') });
    const existing = store.secrets.getByName(request.name);
    const text = serializeOAuthValue(value);
    if (existing && existing.type !== 'oauth2') {
      return sendErrorPage(ctx, 409, `A secret named "${request.name}" exists and is not an OAuth connection; connect again under another name.`);
    }
    // Reconnecting replaces the tokens of the same secret: its grants to agents stay.
    const secret = existing
      ? store.secrets.update(existing.id, { value: text, hostPattern: request.hostPattern })!
      : store.secrets.create({ name: request.name, type: 'oauth2', hostPattern: request.hostPattern, value: text });
    sendHtml(ctx.res, 200, html`<html lang="en"><head><meta charset="utf-8"><title>Connected · nanoclaw vault</title>
<link rel="stylesheet" href="/dashboard/app.css"></head><body><main class="narrow"><h1 id="connected">Connected ${secret.name}</h1>
<p>The vault holds an OAuth connection for <code>${secret.hostPattern}</code> and renews its token itself.
Grant it to agents on the <a href="/dashboard/agents">Agents</a> page.</p></main></body></html>`);
  });
  return [
    { method: 'POST', path: '/dashboard/oauth/start', public: true, handler: start },
    { method: 'GET', path: CALLBACK_PATH, public: true, handler: callback },
  ];
}
