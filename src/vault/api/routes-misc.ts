import { AuditQuerySchema } from '../model/records.js';
import type { VaultStore } from '../store/types.js';
import { healthReport, type HealthParts } from './health.js';
import { sendJson, sendText } from './http-io.js';
import type { Replica } from './schemas.js';
import { storeLocation } from './store-location.js';
import type { Route } from './router.js';
import { parseOr400 } from './validate.js';

export interface MiscRouteOptions {
  store: VaultStore;
  version: string;
  caPem: () => string | null;
  /** Whether the gateway serves; absent: this API runs without one. */
  gatewayState?: () => HealthParts['gateway'];
  /** The live vault processes on this store (replica-registry.ts); absent: this one alone. */
  replicas?: () => Replica[] | null;
}

function storeState(store: VaultStore): HealthParts['store'] {
  try {
    store.getSetting('health_probe');
    return 'ok';
  } catch {
    return 'error';
  }
}

/** Health (public), the gateway CA certificate, and the audit log. */
export function miscRoutes({ store, version, caPem, gatewayState, replicas }: MiscRouteOptions): Route[] {
  const location = storeLocation(store);
  const health: Route['handler'] = ({ res }) => {
    const report = healthReport({ api: 'ok', gateway: gatewayState?.() ?? 'off', store: storeState(store) }, version);
    // Which store serves: several vault processes may share one Postgres database.
    const list = replicas ? replicas() : null;
    sendJson(res, report.httpStatus, { ...report.body, store: store.kind, storeLocation: location, replicas: list && { live: list.length, list } });
  };
  return [
    { method: 'GET', path: '/api/health', public: true, handler: health },
    { method: 'GET', path: '/health', public: true, handler: health },
    {
      method: 'GET',
      path: '/v1/gateway/ca',
      handler: ({ res }) => {
        const pem = caPem();
        if (!pem) {
          sendJson(res, 404, { error: 'not_found', code: 'not_found', message: 'The vault has no CA yet' });
          return;
        }
        sendText(res, 200, pem, 'application/x-pem-file');
      },
    },
    {
      method: 'GET',
      path: '/v1/audit',
      handler: ({ res, query }) => {
        const q = parseOr400(AuditQuerySchema, Object.fromEntries(query), 'query');
        sendJson(res, 200, store.audit.list(q));
      },
    },
    { method: 'GET', path: '/v1/audit/verify', handler: ({ res }) => sendJson(res, 200, store.audit.verify()) },
  ];
}
