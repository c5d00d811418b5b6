import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { networkInterfaces } from 'node:os';
import type { Logger } from '../common/logger.js';
import { startApiServer, type StartedApi } from './api/api-server.js';
import { hasApiKey, rotateApiKey, setApiKeyHash } from './api/api-key.js';
import { apiBindAddresses } from './api/bind-addresses.js';
import { apiClientFilter } from './api/client-filter.js';
import type { Route } from './api/router.js';
import { createCa } from './ca/ca.js';
import { LeafCache } from './ca/leaf-cache.js';
import { startGateway, type StartedGateway } from './gateway/gateway-server.js';
import { resolveMasterKey } from './store/master-key.js';
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
}

export interface RunningVault extends AsyncDisposable {
  store: VaultStore;
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
    const apiOptions = {
      store,
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
      });
    }
    logger.info('Started vault', { api: api.url, gateway: gateway ? `${options.gateway && options.gateway.host}:${gateway.port}` : 'off', key: master.source });
    const close = async () => {
      await gateway?.close();
      await api.close();
      for (const more of moreApis) await more.close();
      store.close();
    };
    return { store, api, gateway, createdApiKey, close, [Symbol.asyncDispose]: close };
  } catch (err) {
    store.close();
    throw err;
  }
}
