import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { networkInterfaces } from 'node:os';
import type { Logger } from '../common/logger.js';
import { startApiServer, type StartedApi } from './api/api-server.js';
import { hasApiKey, rotateApiKey, setApiKeyHash } from './api/api-key.js';
import { apiBindAddresses } from './api/bind-addresses.js';
import { apiClientFilter } from './api/client-filter.js';
import type { Route } from './api/router.js';
import { DEFAULT_APPROVAL_TTL_MS } from './model/approvals.js';
import { createApprovalService } from './approvals/approval-service.js';
import { settingsKv } from './approvals/telegram/card-registry.js';
import { createTelegramChannel } from './approvals/telegram/telegram-channel.js';
import type { ApprovalChannel, ApprovalService } from './approvals/types.js';
import { createCa } from './ca/ca.js';
import { LeafCache } from './ca/leaf-cache.js';
import { startGateway, type GatewayTls, type StartedGateway } from './gateway/gateway-server.js';
import { resolveMasterKey } from './store/master-key.js';
import { startAuditRetention } from './store/audit-retention.js';
import { openStore } from './store/store.js';
import type { VaultStore } from './store/types.js';

export interface HostPort {
  host: string;
  port: number;
}

export interface VaultServerOptions {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  version: string;
  api: HostPort;
  /** false runs the API alone (tests of the API, remote-gateway setups). */
  gateway: HostPort | false;
  /** PEM files of private upstream CAs the gateway should also trust (NANOCLAW_EXTRA_CA_CERTS). */
  extraCaFiles?: string[];
  /** `name:port` entries the egress guard lets through (host services like a local Ollama). */
  allowPrivate?: string[];
  extraRoutes?: (store: VaultStore) => Route[];
  /** How agent containers reach the gateway, for their proxy URL (default http://gateway:10255, the lockdown alias). */
  containerGatewayUrl?: string;
  /**
   * The SHA-256 (hex) of an API key the host generated (the vault container: NANOCLAW_API_KEY_SHA256).
   * When set it is authoritative: it replaces the stored hash and no key is created here.
   */
  apiKeySha256?: string;
  /**
   * Addresses besides loopback that may connect to the API (the vault container: the outbound
   * network's gateway, through which the host's published port arrives); unset: anyone who reaches the listen address.
   */
  apiAllowFrom?: string[];
  /** The API's URL as users reach it, for connect_url links (a container listens on 0.0.0.0); default the API's own URL. */
  publicUrl?: string;
  /** How long a request held for approval waits (NANOCLAW_APPROVAL_TTL_SECONDS); default 180 s. */
  approvalTtlMs?: number;
  /** Audit rows older than this many days are pruned (NANOCLAW_AUDIT_RETENTION_DAYS); unset keeps them all. */
  auditRetentionDays?: number;
  /** Who terminates agents' TLS in the gateway (NANOCLAW_GATEWAY_TLS); default auto. */
  gatewayTls?: GatewayTls;
  /** Approval channels besides the built-in host clients and dashboard (Telegram). */
  channels?: ApprovalChannel[];
  /** Approval cards on Telegram (TELEGRAM_BOT_TOKEN, NANOCLAW_TELEGRAM_API_BASE); off when unset. */
  telegram?: { token: string; apiBase?: string };
}

export interface RunningVault extends AsyncDisposable {
  store: VaultStore;
  approvals: ApprovalService;
  api: StartedApi;
  gateway: StartedGateway | null;
  /** Set only on the first start: the new API key, for the caller to write to .env once. */
  createdApiKey: string | null;
  close(): Promise<void>;
}

/** The composition root: store + CA + API + gateway in one process. */
export async function startVault(options: VaultServerOptions): Promise<RunningVault> {
  const { logger } = options;
  logger.info('Starting vault…', { dataDir: options.dataDir });
  const master = await resolveMasterKey({ env: options.env, dataDir: options.dataDir, logger });
  const store = openStore({ path: join(options.dataDir, 'vault.db'), masterKey: master.key, redactor: logger.redactor });
  try {
    let createdApiKey: string | null = null;
    if (options.apiKeySha256) setApiKeyHash(store, options.apiKeySha256);
    else if (!hasApiKey(store)) createdApiKey = rotateApiKey(store);
    let ca = store.getCa();
    if (!ca) {
      ca = createCa({ commonName: 'nanoclaw vault CA' });
      store.setCa(ca);
      logger.info('Created the vault CA');
    }
    const caPem = ca.certPem;
    // The channel answers button presses through the service, which is built after it.
    let decide: ApprovalService['decide'] | null = null;
    const telegram = options.telegram
      ? createTelegramChannel({
          token: options.telegram.token,
          ...(options.telegram.apiBase ? { apiBase: options.telegram.apiBase } : {}),
          logger: logger.child({ part: 'telegram' }),
          kv: settingsKv(store),
          // The channel itself accepts only a press on the card it sent, in the approver's chat.
          decide: (id, decision, by) => {
            const r = decide?.(id, { decision }, { kind: 'owner', name: by });
            return !r || r.result === 'forbidden' ? 'not_found' : r.result;
          },
        })
      : null;
    const approvals = createApprovalService({
      store,
      logger: logger.child({ part: 'approvals' }),
      ttlMs: options.approvalTtlMs ?? DEFAULT_APPROVAL_TTL_MS,
      channels: [...(options.channels ?? []), ...(telegram ? [telegram] : [])],
    });
    decide = (id, d, by) => approvals.decide(id, d, by);
    // Before start(): cards of a previous process are edited to "Expired (host restarted)".
    approvals.expireLeftovers();
    telegram?.start();
    const apiOptions = {
      store,
      approvals,
      logger: logger.child({ part: 'api' }),
      version: options.version,
      caPem: () => caPem,
      ...(options.containerGatewayUrl ? { containerGatewayUrl: options.containerGatewayUrl } : {}),
      host: options.api.host,
      port: options.api.port,
      extraRoutes: options.extraRoutes?.(store) ?? [],
      ...(options.apiAllowFrom ? { allowClient: apiClientFilter(options.apiAllowFrom) } : {}),
    };
    const [firstHost, ...moreHosts] = apiBindAddresses({
      listenHost: options.api.host,
      allowFrom: options.apiAllowFrom ?? [],
      interfaces: networkInterfaces(),
    });
    const api = await startApiServer({ ...apiOptions, host: firstHost! });
    const moreApis: StartedApi[] = [];
    for (const host of moreHosts) moreApis.push(await startApiServer({ ...apiOptions, host, port: api.port }));
    let gateway: StartedGateway | null = null;
    if (options.gateway) {
      const extraCaPem = await Promise.all((options.extraCaFiles ?? []).map((f) => readFile(f, 'utf8')));
      gateway = await startGateway({
        store,
        leafCache: new LeafCache({ ca }),
        logger: logger.child({ part: 'gateway' }),
        host: options.gateway.host,
        port: options.gateway.port,
        extraCaPem,
        allowPrivate: options.allowPrivate ?? [],
        connectUrlBase: options.publicUrl ?? api.url,
        policyRules: () => store.rules.list(),
        approvals,
        tls: options.gatewayTls ?? 'auto',
      });
    }
    const retention = options.auditRetentionDays
      ? startAuditRetention({ audit: store.audit, days: options.auditRetentionDays, logger: logger.child({ part: 'audit' }) })
      : null;
    logger.info('Started vault', { api: api.url, gateway: gateway ? `${options.gateway && options.gateway.host}:${gateway.port}` : 'off', key: master.source });
    const close = async () => {
      // First, so every held request gets its answer before the gateway drops the sockets.
      approvals.close();
      retention?.stop();
      await telegram?.close();
      await gateway?.close();
      await api.close();
      for (const more of moreApis) await more.close();
      store.close();
    };
    return { store, approvals, api, gateway, createdApiKey, close, [Symbol.asyncDispose]: close };
  } catch (err) {
    store.close();
    throw err;
  }
}
