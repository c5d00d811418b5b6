import { randomBytes } from 'node:crypto';
import { Logger, memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import { createCa } from '../../src/vault/ca/ca.js';
import { LeafCache } from '../../src/vault/ca/leaf-cache.js';
import { startGateway, type GatewayOptions } from '../../src/vault/gateway/gateway-server.js';
import { openStore } from '../../src/vault/store/store.js';

/** The name the replicas' test resolver sends to the test upstream (127.0.0.1). */
export const REPLICA_HOST = 'api.github.test';

/** One replica: its own store connection (a bridge and its worker) and gateway, on the shared database. */
export async function startReplica(o: { databaseUrl: string; masterKey: Buffer; upstream: { caPem: string; port: number } }) {
  const redactor = new Redactor();
  const store = openStore({ path: o.databaseUrl, databaseUrl: o.databaseUrl, masterKey: o.masterKey, redactor });
  // Each replica would make a CA of its own if it found none: the store keeps the first.
  const ca = store.ensureCa(() => createCa({ commonName: `replica CA ${randomBytes(4).toString('hex')}` }));
  const gateway = await startGateway({
    store,
    leafCache: new LeafCache({ ca }),
    logger: new Logger({ level: 'warn', redactor, sink: memorySink() }),
    host: '127.0.0.1',
    port: 0,
    extraCaPem: [o.upstream.caPem],
    allowPrivate: [`127.0.0.1:${o.upstream.port}`],
    resolve: async (host) => {
      if (host === REPLICA_HOST) return ['127.0.0.1'];
      throw new Error(`test resolver: unknown name ${host}`);
    },
    policyRules: () => store.rules.list(),
    tls: (process.env.NANOCLAW_GATEWAY_TLS as GatewayOptions['tls']) ?? 'native',
  });
  const close = async (): Promise<void> => {
    await gateway.close();
    store.close();
  };
  return { store, ca, gateway, close };
}

export type Replica = Awaited<ReturnType<typeof startReplica>>;
