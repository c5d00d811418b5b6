import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../src/common/logger.js';
import { Redactor } from '../src/common/redact.js';
import { createCa } from '../src/vault/ca/ca.js';
import { LeafCache } from '../src/vault/ca/leaf-cache.js';
import { startGateway, type StartedGateway } from '../src/vault/gateway/gateway-server.js';
import { serializeOAuthValue } from '../src/vault/oauth/oauth-value.js';
import { openStore } from '../src/vault/store/store.js';
import type { VaultStore } from '../src/vault/store/types.js';
import { createBenchSchema, type BenchSchema } from './bench-schema.js';
import { serveParent } from './ipc.js';
import { collectGarbage, ownFigures } from './own-figures.js';

/**
 * The gateway under test, alone in its process so its CPU and RSS are its own: a real store
 * on a temp SQLite file (or in a new Postgres schema), a fresh vault CA, one agent granted header
 * secrets for the upstream.
 */

export interface GatewayStart {
  /** The upstream's name; its subdomains are the "new hosts". */
  host: string;
  upstreamPort: number;
  upstreamCaPem: string;
  headerName: string;
  value: string;
  /** Who terminates TLS (the `gateway-node-tls` row: Node's own, for comparison). */
  tls: 'native' | 'node';
  /** `oauth2` (the `gateway-oauth` row): the value is an OAuth connection's access token, valid for the whole run. */
  secretType?: 'generic' | 'oauth2';
  /** The `gateway-postgres` row: the store in a new schema of this database instead of a SQLite file. */
  databaseUrl?: string;
}

/** The stored value of a secret of `type` whose injected value is `value`. */
function storedValue(type: 'generic' | 'oauth2', value: string): string {
  if (type === 'generic') return value;
  const now = Date.now();
  // Never due in a run: what is measured is a request with an OAuth secret, not a refresh.
  return serializeOAuthValue({ accessToken: value, refreshToken: `refresh-${value}`, clientId: 'bench', clientSecret: null, tokenEndpoint: 'https://oauth.invalid/token', issuedAt: now, expiresAt: now + 24 * 3_600_000 });
}

export interface GatewayReady {
  port: number;
  caPem: string;
  token: string;
}

function main(): void {
  let dir: string | undefined;
  let store: VaultStore | undefined;
  let gateway: StartedGateway | undefined;
  let schema: BenchSchema | undefined;
  const close = async (): Promise<void> => {
    await gateway?.close();
    store?.close();
    await schema?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  serveParent(
    {
      async start(payload): Promise<GatewayReady> {
        const { host, upstreamPort, upstreamCaPem, headerName, value, tls, secretType = 'generic', databaseUrl } = payload as GatewayStart;
        dir = await mkdtemp(join(tmpdir(), 'nanoclaw-bench-'));
        const redactor = new Redactor();
        const logger = new Logger({ level: 'warn', redactor });
        schema = databaseUrl ? await createBenchSchema(databaseUrl) : undefined;
        store = openStore({ path: join(dir, 'vault.db'), databaseUrl: schema?.url, masterKey: randomBytes(32), redactor });
        const ca = createCa({ commonName: 'nanoclaw bench vault CA' });
        store.setCa(ca);
        const injectionConfig = { headerName, valueFormat: '{value}' };
        const ids = [host, `*.${host}`].map(
          (hostPattern, i) =>
            store!.secrets.create({ name: `bench-${i}`, type: secretType, value: storedValue(secretType, value), hostPattern, injectionConfig }).id,
        );
        const { agent, token } = store.agents.create({ name: 'bench', identifier: 'bench', secretMode: 'selective' });
        store.agents.setSecretIds(agent.id, ids);
        const isBenchName = (name: string): boolean => name === host || name.endsWith(`.${host}`);
        gateway = await startGateway({
          store,
          leafCache: new LeafCache({ ca }),
          logger,
          host: '127.0.0.1',
          port: 0,
          extraCaPem: [upstreamCaPem],
          tls,
          allowPrivate: [`${host}:${upstreamPort}`, `127.0.0.1:${upstreamPort}`],
          resolve: async (name) => {
            if (isBenchName(name)) return ['127.0.0.1'];
            throw new Error(`bench resolver: unknown name ${name}`);
          },
        });
        return { port: gateway.port, caPem: ca.certPem, token };
      },
      figures: ownFigures,
      gc: collectGarbage,
    },
    close,
  );
}

main();
