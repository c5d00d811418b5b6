import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NanoclawError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ApprovalService } from '../approvals/types.js';
import type { VaultStore } from '../store/types.js';
import { sendError } from './api-errors.js';
import { bearerToken, verifyApiKey } from './api-key.js';
import { dashboardRoutes } from './dashboard/dashboard-routes.js';
import { agentRoutes } from './routes-agents.js';
import { approvalRoutes } from './routes-approvals.js';
import { approverRoutes } from './routes-approvers.js';
import { containerConfigRoutes } from './routes-container-config.js';
import type { HealthParts } from './health.js';
import { miscRoutes } from './routes-misc.js';
import type { Replica } from './schemas.js';
import { ruleRoutes } from './routes-rules.js';
import { secretRoutes } from './routes-secrets.js';
import { Router, type Route } from './router.js';
import type { PostForm } from '../oauth/token-endpoint.js';
import { VAULT_API_PORT } from '../../config/ports.js';

export interface ApiServerOptions {
  store: VaultStore;
  logger: Logger;
  version: string;
  caPem: () => string | null;
  /** Whether the gateway serves, for /api/health; absent: this API runs without one. */
  gatewayState?: () => HealthParts['gateway'];
  /** The live vault processes on this store, for /api/health. */
  replicas?: () => Replica[] | null;
  host?: string;
  port?: number;
  /** How agent containers reach the gateway (default http://gateway:10255): goes into their proxy URL. */
  containerGatewayUrl?: string;
  /** The approvals service; without it the /api/approvals routes are absent (rules and approvers still work). */
  approvals?: ApprovalService;
  /** Extra routes from later features (approvals, dashboard). */
  extraRoutes?: Route[];
  /** The dashboard under /dashboard, on unless false; `publicUrl` (the API as users reach it) adds its host to the loopback names it answers to. */
  dashboard?: boolean | { publicUrl?: string };
  /** When set, connections from clients it refuses are closed before a byte is read (see client-filter.ts). */
  allowClient?: (remoteAddress: string | undefined) => boolean;
  /** How the dashboard's OAuth connect reaches token endpoints (trusting the extra upstream CAs). */
  oauthPost?: PostForm;
}

export interface StartedApi extends AsyncDisposable {
  url: string;
  port: number;
  close(): Promise<void>;
}

function unauthorized(): NanoclawError {
  return new NanoclawError('unauthorized', 'Missing or wrong API key', {
    details: { status: 401 },
    hint: 'Send Authorization: Bearer $ONECLI_API_KEY (see .env), or rotate it with: ncl vault rotate-api-key',
  });
}

function dashboardPublicUrl(dashboard: ApiServerOptions['dashboard']): string | undefined {
  return typeof dashboard === 'object' ? dashboard.publicUrl : undefined;
}

/** Builds the request handler; separate from listening so tests can mount it anywhere. */
export function createApiHandler(options: ApiServerOptions) {
  const { store, logger } = options;
  const router = new Router().add(
    ...miscRoutes(options),
    ...secretRoutes(store),
    ...agentRoutes(store),
    ...containerConfigRoutes(options),
    ...ruleRoutes(store),
    ...approverRoutes(store),
    ...(options.approvals ? approvalRoutes({ store, approvals: options.approvals }) : []),
    ...(options.extraRoutes ?? []),
    ...(options.dashboard === false ? [] : dashboardRoutes({ ...options, connectUrlBase: dashboardPublicUrl(options.dashboard) })),
  );
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://vault.invalid');
    let status = 500;
    try {
      const match = router.match(req.method ?? 'GET', url.pathname);
      if (match.kind === 'not_found') {
        throw new NanoclawError('not_found', `No route ${req.method} ${url.pathname}`, { details: { status: 404 } });
      }
      if (match.kind === 'method_not_allowed') {
        res.setHeader('allow', match.allowed.join(', '));
        throw new NanoclawError('method_not_allowed', `${req.method} is not allowed on ${url.pathname}`, {
          details: { status: 405 },
        });
      }
      if (!match.route.public) {
        const token = bearerToken(req.headers.authorization);
        if (!token || !verifyApiKey(store, token)) {
          res.setHeader('www-authenticate', 'Bearer realm="nanoclaw"');
          throw unauthorized();
        }
      }
      await match.route.handler({ req, res, params: match.params, query: url.searchParams });
      status = res.statusCode;
    } catch (err) {
      if (!(err instanceof NanoclawError)) logger.error('API handler failed', { path: url.pathname, error: String(err) });
      if (!res.headersSent) status = sendError(res, err);
      else res.destroy();
    } finally {
      logger.debug('api', {
        method: req.method,
        path: url.pathname,
        status,
        ms: Math.round(performance.now() - started),
      });
    }
  };
}

/** Listens where told (default 127.0.0.1:10254). */
export async function startApiServer(options: ApiServerOptions): Promise<StartedApi> {
  const handler = createApiHandler(options);
  const server = createServer({ requestTimeout: 60_000, headersTimeout: 20_000 }, (req, res) => {
    void handler(req, res);
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  const { allowClient } = options;
  if (allowClient) {
    server.on('connection', (socket) => {
      if (!allowClient(socket.remoteAddress)) socket.destroy();
    });
  }
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? VAULT_API_PORT, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${port}`, port, close, [Symbol.asyncDispose]: close };
}

