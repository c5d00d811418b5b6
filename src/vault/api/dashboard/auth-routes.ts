import { randomBytes } from 'node:crypto';
import type { VaultStore } from '../../store/types.js';
import { verifyApiKey } from '../api-key.js';
import type { RouteContext, Route } from '../router.js';
import { clearCookie, LOGIN_COOKIE, parseCookies, SESSION_COOKIE, setCookie } from './cookies.js';
import { sameOrigin, tokensEqual } from './csrf.js';
import { action, guarded, page, type GuardOptions } from './dashboard-guard.js';
import { readForm } from './form-body.js';
import { html } from './html.js';
import { redirect, safeNext, sendHtml } from './page-response.js';

const LOGIN_NONCE_SECONDS = 15 * 60;

/**
 * The sign-in form. Before there is a session, CSRF protection is a double-submit nonce:
 * a fresh random value both in a SameSite=Strict cookie and in the form, compared on POST.
 */
function sendLogin(ctx: RouteContext, status: number, next: string, error: string | null): void {
  const nonce = randomBytes(32).toString('base64url');
  const page = html`<html lang="en"><head><meta charset="utf-8"><title>Sign in · nanoclaw vault</title>
<link rel="stylesheet" href="/dashboard/app.css"></head><body><main class="narrow"><h1>nanoclaw vault</h1>
${error ? html`<p class="flash error" role="alert">${error}</p>` : ''}
<form method="post" action="/dashboard/login" class="stack" id="login"><input type="hidden" name="csrf" value="${nonce}">
<input type="hidden" name="next" value="${next}">
<label>Vault API key <span class="muted">(ONECLI_API_KEY in your project's .env)</span>
<input name="apiKey" type="password" autocomplete="off" required autofocus spellcheck="false"></label>
<button type="submit">Sign in</button></form></main></body></html>`;
  sendHtml(ctx.res, status, page, { cookies: [setCookie(LOGIN_COOKIE, nonce, LOGIN_NONCE_SECONDS)] });
}

/** Sign-in with the vault API key, sign-out, and `/dashboard` itself. */
export function authRoutes(o: { guard: GuardOptions; store: VaultStore }): Route[] {
  const { guard, store } = o;
  const { sessions, logger } = guard;
  const showLogin = guarded(guard, (ctx) => {
    const next = safeNext(ctx.query.get('next'));
    if (sessions.get(parseCookies(ctx.req.headers.cookie).get(SESSION_COOKIE))) return redirect(ctx.res, next);
    sendLogin(ctx, 200, next, null);
  });
  const signIn = guarded(guard, async (ctx) => {
    const form = await readForm(ctx.req);
    const next = safeNext(form.get('next'));
    const { origin, referer, host } = ctx.req.headers;
    const nonce = parseCookies(ctx.req.headers.cookie).get(LOGIN_COOKIE);
    if (!sameOrigin({ origin, referer, host }) || nonce === undefined || !tokensEqual(form.get('csrf') ?? undefined, nonce)) {
      logger.warn('Dashboard sign-in refused: bad form token or foreign origin');
      return sendLogin(ctx, 403, next, 'The sign-in form expired or came from another site; try again.');
    }
    if (!verifyApiKey(store, form.get('apiKey')?.trim() ?? '')) {
      logger.warn('Dashboard sign-in failed: wrong API key');
      return sendLogin(ctx, 401, next, 'That is not the vault API key.');
    }
    const session = sessions.create();
    logger.info('Dashboard sign-in', { sessions: sessions.size });
    redirect(ctx.res, next, {
      cookies: [setCookie(SESSION_COOKIE, session.id, sessions.cookieMaxAgeSeconds), clearCookie(LOGIN_COOKIE)],
    });
  });
  const signOut = action(guard, ({ res, req }) => {
    sessions.delete(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
    redirect(res, '/dashboard/login', { cookies: [clearCookie(SESSION_COOKIE)] });
  });
  return [
    { method: 'GET', path: '/dashboard', public: true, handler: page(guard, ({ res }) => redirect(res, '/dashboard/approvals')) },
    { method: 'GET', path: '/dashboard/login', public: true, handler: showLogin },
    { method: 'POST', path: '/dashboard/login', public: true, handler: signIn },
    { method: 'POST', path: '/dashboard/logout', public: true, handler: signOut },
  ];
}
