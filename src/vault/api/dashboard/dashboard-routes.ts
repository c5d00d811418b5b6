import type { Logger } from '../../../common/logger.js';
import type { ApprovalService } from '../../approvals/types.js';
import type { VaultStore } from '../../store/types.js';
import type { Route } from '../router.js';
import { APP_JS } from './app-script.js';
import { APP_CSS } from './app-style.js';
import { agentsRoutes } from './agents-page.js';
import { approvalsRoutes } from './approvals-page.js';
import { auditRoutes } from './audit-page.js';
import { authRoutes } from './auth-routes.js';
import { connectRoutes } from './connect-page.js';
import { guarded, type GuardOptions } from './dashboard-guard.js';
import { eventsRoute } from './events-stream.js';
import { hostOfUrl } from './host-check.js';
import { oauthConnectRoutes } from './oauth-connect.js';
import { sendBody } from './page-response.js';
import { httpsPostForm, type PostForm } from '../../oauth/token-endpoint.js';
import { secretsRoutes } from './secrets-page.js';
import { SessionStore } from './sessions.js';

export interface DashboardOptions {
  store: VaultStore;
  approvals?: ApprovalService;
  logger: Logger;
  /** The API's URL as users reach it (publicUrl); its host is accepted besides loopback names. */
  connectUrlBase?: string;
  /** Tests pass their own (short expiry, a clock). */
  sessions?: SessionStore;
  /** How the OAuth connect page reaches token endpoints (default: HTTPS with the bundled roots). */
  oauthPost?: PostForm;
}

/**
 * The vault dashboard under /dashboard (plus `/connect`, where the gateway's connect_url points).
 * Every route is "public" to the API's bearer check and does its own session auth and CSRF check.
 */
export function dashboardRoutes(options: DashboardOptions): Route[] {
  const { store, approvals, logger } = options;
  const publicHost = hostOfUrl(options.connectUrlBase);
  const guard: GuardOptions = {
    sessions: options.sessions ?? new SessionStore(),
    logger,
    extraHosts: publicHost ? [publicHost] : [],
  };
  const shared = { guard, store, approvals };
  const asset = (body: string, type: string): Route['handler'] => guarded(guard, ({ res }) => sendBody(res, 200, body, type));
  return [
    ...authRoutes({ guard, store }),
    ...approvalsRoutes({ ...shared, redactor: logger.redactor }),
    eventsRoute({ guard, approvals, redactor: logger.redactor }),
    ...secretsRoutes(shared),
    ...agentsRoutes(shared),
    ...auditRoutes(shared),
    ...connectRoutes(shared),
    ...oauthConnectRoutes({ guard, store, post: options.oauthPost ?? httpsPostForm() }),
    { method: 'GET', path: '/dashboard/app.js', public: true, handler: asset(APP_JS, 'text/javascript; charset=utf-8') },
    { method: 'GET', path: '/dashboard/app.css', public: true, handler: asset(APP_CSS, 'text/css; charset=utf-8') },
  ];
}
