import { join } from 'node:path';
import { networkInterfaces } from 'node:os';
import type { Logger } from '../common/logger.js';
import type { HealthParts } from './api/health.js';
import { startReplicaRegistry } from './api/replica-registry.js';
import { startApiServer, type StartedApi } from './api/api-server.js';
import { httpsPostForm } from './oauth/token-endpoint.js';
import { createApiKeyIfAbsent, hasApiKey, rotateApiKey, setApiKeyHash } from './api/api-key.js';
import { apiBindAddresses } from './api/bind-addresses.js';
import { apiClientFilter } from './api/client-filter.js';
import type { Route } from './api/router.js';
import { DEFAULT_APPROVAL_TTL_MS } from './model/approvals.js';
import { createApprovalService } from './approvals/approval-service.js';
import { settingsKv } from './approvals/telegram/card-registry.js';
import { createTelegramChannel } from './approvals/telegram/telegram-channel.js';
import type { ApprovalChannel, ApprovalService } from './approvals/types.js';
import { createCa } from './ca/ca.js';
import { loadExtraCaFiles } from './ca/extra-ca.js';
import { LeafCache } from './ca/leaf-cache.js';
import { startGateway, type GatewayTls, type StartedGateway } from './gateway/gateway-server.js';
import { asListenFailure } from './listen-failure.js';
import { acquireDataDirLock } from './store/data-dir-lock.js';
import { resolveMasterKey } from './store/master-key.js';
import { startAuditRetention } from './store/audit-retention.js';
import { openStore } from './store/store.js';
import type { VaultStore } from './store/types.js';

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Where each startup input came from (`--api-listen`, `NANOCLAW_VAULT_LISTEN`, …), so a failure
 * to start names the one to change. Unset names fall back to a description.
 */
export interface StartupSettings {
  dataDir?: string;
  apiListen?: string;
  gatewayListen?: string;
  extraCaCerts?: string;
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
  /** The store in Postgres (NANOCLAW_DATABASE_URL) instead of `vault.db` in the data directory. */
  databaseUrl?: string;
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
  settings?: StartupSettings;
  /** Who holds the data directory, shown to a command it refuses; default this process's command line. */
  command?: string;
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

/**
 * The composition root: store + CA + API + gateway in one process. Any failure to start releases
 * what was opened (listeners, store, the data directory's lock) and throws an error that names the
 * setting to change; a running vault holds its data directory, so commands that change it refuse.
 */
export async function startVault(options: VaultServerOptions): Promise<RunningVault> {
  const { logger } = options;
  const names = options.settings ?? {};
  logger.info('Starting vault…', { dataDir: options.dataDir });
  // Read before anything opens: a bad file must not leave a vault up without its gateway.
  const extraCaPem = options.gateway ? await loadExtraCaFiles(options.extraCaFiles ?? [], names.extraCaCerts) : [];
  const lock = await acquireDataDirLock({
    dataDir: options.dataDir,
    command: options.command ?? process.argv.slice(1).join(' '),
    foreign: 'take-over',
    setting: names.dataDir ?? 'the vault data directory',
  });
  // Closed in reverse order on failure, or by close().
  const opened: Array<() => Promise<void> | void> = [() => lock.release()];
  const closeOpened = async () => {
    for (const close of opened.splice(0).reverse()) await close();
  };
  try {
    const master = await resolveMasterKey({ env: options.env, dataDir: options.dataDir, logger });
    const store = openStore({
      path: join(options.dataDir, 'vault.db'),
      databaseUrl: options.databaseUrl,
      masterKey: master.key,
      redactor: logger.redactor,
      onBackgroundError: (error) => logger.warn('Could not write audit rows', { error }),
    });
    opened.push(() => store.close());
    const replicas = startReplicaRegistry({ databaseUrl: options.databaseUrl, version: options.version, logger: logger.child({ part: 'replicas' }) });
    opened.push(() => replicas.close());
    let createdApiKey: string | null = null;
    if (options.apiKeySha256) setApiKeyHash(store, options.apiKeySha256);
    else if (!hasApiKey(store)) createdApiKey = createApiKeyIfAbsent(store);
    const ca = store.ensureCa(() => {
      const made = createCa({ commonName: 'nanoclaw vault CA' });
      logger.info('Created the vault CA');
      return made;
    });
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
            const r = decide?.(id, decision === 'always' ? { decision: 'approve', always: true } : { decision }, { kind: 'owner', name: by });
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
    opened.push(() => approvals.close());
    approvals.expireLeftovers();
    telegram?.start();
    if (telegram) opened.push(() => telegram.close());
    let gatewayState: HealthParts['gateway'] = options.gateway ? 'starting' : 'off';
    const apiOptions = {
      store,
      approvals,
      logger: logger.child({ part: 'api' }),
      version: options.version,
      caPem: () => caPem,
      gatewayState: () => gatewayState,
      replicas: () => replicas.live(),
      ...(options.containerGatewayUrl ? { containerGatewayUrl: options.containerGatewayUrl } : {}),
      host: options.api.host,
      port: options.api.port,
      extraRoutes: options.extraRoutes?.(store) ?? [],
      oauthPost: httpsPostForm({ extraCaPem }),
      ...(options.apiAllowFrom ? { allowClient: apiClientFilter(options.apiAllowFrom) } : {}),
    };
    const [firstHost, ...moreHosts] = apiBindAddresses({
      listenHost: options.api.host,
      allowFrom: options.apiAllowFrom ?? [],
      interfaces: networkInterfaces(),
    });
    const apiSetting = names.apiListen ?? 'the API address';
    const listenApi = (host: string, port: number) =>
      startApiServer({ ...apiOptions, host, port }).catch((err: unknown) => {
        throw asListenFailure(err, { part: 'API', host, port, setting: apiSetting });
      });
    const api = await listenApi(firstHost!, options.api.port);
    opened.push(() => api.close());
    for (const host of moreHosts) {
      const more = await listenApi(host, api.port);
      opened.push(() => more.close());
    }
    let gateway: StartedGateway | null = null;
    if (options.gateway) {
      const { host, port } = options.gateway;
      const started = await startGateway({
        store,
        leafCache: new LeafCache({ ca }),
        logger: logger.child({ part: 'gateway' }),
        host,
        port,
        extraCaPem,
        allowPrivate: options.allowPrivate ?? [],
        connectUrlBase: options.publicUrl ?? api.url,
        policyRules: () => store.rules.list(),
        approvals,
        tls: options.gatewayTls ?? 'auto',
      }).catch((err: unknown) => {
        throw asListenFailure(err, { part: 'gateway', host, port, setting: names.gatewayListen ?? 'the gateway address' });
      });
      gatewayState = 'ok';
      // The health check answers 503 from the moment the gateway stops serving.
      const stopGateway = () => {
        gatewayState = 'stopped';
        return started.close();
      };
      gateway = Object.assign(Object.create(started) as StartedGateway, { close: stopGateway, [Symbol.asyncDispose]: stopGateway });
      opened.push(() => gateway?.close());
    }
    if (options.auditRetentionDays) {
      const retention = startAuditRetention({ audit: store.audit, days: options.auditRetentionDays, logger: logger.child({ part: 'audit' }) });
      opened.push(() => retention.stop());
    }
    logger.info('Started vault', { api: api.url, gateway: gateway ? `${options.gateway && options.gateway.host}:${gateway.port}` : 'off', key: master.source });
    const close = async () => {
      // First, so every held request gets its answer before the gateway drops the sockets; then the rest in reverse.
      approvals.close();
      await closeOpened();
    };
    return { store, approvals, api, gateway, createdApiKey, close, [Symbol.asyncDispose]: close };
  } catch (err) {
    await closeOpened();
    throw err;
  }
}
