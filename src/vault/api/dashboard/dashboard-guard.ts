import { NanoclawError } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import type { RouteContext, RouteHandler } from '../router.js';
import { parseCookies, SESSION_COOKIE } from './cookies.js';
import { sameOrigin, tokensEqual } from './csrf.js';
import { readForm } from './form-body.js';
import { hostAllowed } from './host-check.js';
import { html } from './html.js';
import { redirect, sendBody, sendHtml } from './page-response.js';
import type { DashboardSession, SessionStore } from './sessions.js';

export interface GuardOptions {
  sessions: SessionStore;
  logger: Logger;
  /** Host names besides loopback the dashboard answers to. */
  extraHosts: readonly string[];
}

export interface PageContext extends RouteContext {
  session: DashboardSession;
}

export interface ActionContext extends PageContext {
  form: URLSearchParams;
}

/** A bare error page (no navigation: the visitor may not be signed in). */
export function sendErrorPage(ctx: RouteContext, status: number, message: string): void {
  sendHtml(ctx.res, status, html`<html lang="en"><head><meta charset="utf-8"><title>nanoclaw vault: ${status}</title>
<link rel="stylesheet" href="/dashboard/app.css"></head>
<body><main class="narrow"><h1>${status}</h1><p>${message}</p><p><a href="/dashboard">Back to the dashboard</a></p></main></body></html>`);
}

/** Runs `handler` and turns a thrown NanoclawError into an HTML page with its status; anything else is logged as a bug. */
export function guarded(o: GuardOptions, handler: RouteHandler): RouteHandler {
  return async (ctx) => {
    if (!hostAllowed(ctx.req.headers.host, o.extraHosts)) {
      sendBody(ctx.res, 403, 'The dashboard answers only on loopback addresses (open it at http://127.0.0.1:10254/dashboard).\n', 'text/plain; charset=utf-8');
      return;
    }
    try {
      await handler(ctx);
    } catch (err) {
      if (ctx.res.headersSent) throw err;
      if (err instanceof NanoclawError) {
        const status = typeof err.details?.status === 'number' ? err.details.status : 400;
        sendErrorPage(ctx, status, err.message);
        return;
      }
      o.logger.error('Dashboard handler failed', { path: ctx.req.url?.split('?')[0], error: String(err) });
      sendErrorPage(ctx, 500, 'The vault hit an unexpected error; see its log.');
    }
  };
}

function sessionOf(o: GuardOptions, ctx: RouteContext): DashboardSession | null {
  return o.sessions.get(parseCookies(ctx.req.headers.cookie).get(SESSION_COOKIE));
}

/** A page for signed-in users; others are sent to the sign-in form and brought back afterwards. */
export function page(o: GuardOptions, handler: (ctx: PageContext) => Promise<void> | void): RouteHandler {
  return guarded(o, async (ctx) => {
    const session = sessionOf(o, ctx);
    if (!session) {
      redirect(ctx.res, `/dashboard/login?next=${encodeURIComponent(ctx.req.url ?? '/dashboard')}`);
      return;
    }
    await handler({ ...ctx, session });
  });
}

/** A form POST: needs a session, a same-origin Origin/Referer when sent, and the session's CSRF token. */
export function action(o: GuardOptions, handler: (ctx: ActionContext) => Promise<void> | void): RouteHandler {
  return guarded(o, async (ctx) => {
    const session = sessionOf(o, ctx);
    if (!session) {
      sendErrorPage(ctx, 403, 'You are not signed in (or your session ended). Sign in again and retry.');
      return;
    }
    const { origin, referer, host } = ctx.req.headers;
    const form = await readForm(ctx.req);
    if (!sameOrigin({ origin, referer, host }) || !tokensEqual(form.get('csrf') ?? undefined, session.csrf)) {
      o.logger.warn('Dashboard form refused: bad CSRF token or foreign origin', { path: ctx.req.url?.split('?')[0] });
      sendErrorPage(ctx, 403, 'The form’s security token is missing or wrong, or it came from another site. Reload the page and try again.');
      return;
    }
    await handler({ ...ctx, session, form });
  });
}
