import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import { createCa } from '../../src/vault/ca/ca.js';
import { LeafCache } from '../../src/vault/ca/leaf-cache.js';
import { startGateway, type GatewayOptions, type StartedGateway } from '../../src/vault/gateway/gateway-server.js';
import { openStore } from '../../src/vault/store/store.js';
import type { VaultStore } from '../../src/vault/store/types.js';
import { storeHarness } from '../support/store-backends.js';
import { startTlsUpstream } from '../support/tls-upstream.js';
import { viaProxy } from './gateway-harness.js';

const HOST = 'api.github.test';

/** One replica: its own store connection (a bridge and its worker) and gateway, on the shared database. */
async function startReplica(o: { databaseUrl: string; masterKey: Buffer; upstream: { caPem: string; port: number } }) {
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
      if (host === HOST) return ['127.0.0.1'];
      throw new Error(`test resolver: unknown name ${host}`);
    },
    tls: (process.env.NANOCLAW_GATEWAY_TLS as GatewayOptions['tls']) ?? 'native',
  });
  return { store, ca, gateway };
}

describe('two vault replicas on one Postgres database', () => {
  const harness = storeHarness('postgres');

  it("share agents, secrets and the CA: an agent's requests alternate between them, injected by both, logged in one chain", async () => {
    const masterKey = randomBytes(32);
    const upstream = await startTlsUpstream({ hostnames: [HOST] });
    const replicas: { store: VaultStore; gateway: StartedGateway }[] = [];
    try {
      const databaseUrl = harness.location.databaseUrl!;
      const a = await startReplica({ databaseUrl, masterKey, upstream });
      replicas.push(a);
      const b = await startReplica({ databaseUrl, masterKey, upstream });
      replicas.push(b);
      expect(b.ca).toEqual(a.ca); // agents trust one CA, whichever replica answers

      // Made through replica A only; replica B serves them.
      const value = `ghp_${randomBytes(16).toString('hex')}`;
      a.store.secrets.create({ name: 'github', type: 'generic', value, hostPattern: HOST, injectionConfig: { headerName: 'Authorization', valueFormat: 'token {value}' } });
      const { token } = a.store.agents.create({ name: 'main', identifier: 'main', secretMode: 'all' });

      for (let i = 0; i < 6; i++) {
        const { gateway } = replicas[i % 2]!;
        const res = await viaProxy(gateway.port, { token, connect: `${HOST}:${upstream.port}`, ca: a.ca.certPem, path: `/r${i}` });
        expect(res.status, res.body).toBe(200);
      }
      expect(upstream.requests.map((r) => [r.url, r.headers.authorization])).toEqual(
        Array.from({ length: 6 }, (_, i) => [`/r${i}`, `token ${value}`]),
      );
      for (const r of replicas) r.gateway.flushAudit();
      const log = b.store.audit.list({ limit: 100, offset: 0 });
      expect(log.data.map((e) => e.path).sort()).toEqual(Array.from({ length: 6 }, (_, i) => `/r${i}`));
      expect(b.store.audit.verify()).toMatchObject({ ok: true, checked: 6 });
    } finally {
      for (const r of replicas) {
        await r.gateway.close();
        r.store.close();
      }
      await upstream.close();
    }
  });
});
