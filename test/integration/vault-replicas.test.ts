import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import { startVault, type RunningVault, type VaultServerOptions } from '../../src/vault/server.js';
import { storeHarness } from '../support/store-backends.js';
import { startTlsUpstream, type TlsUpstream } from '../support/tls-upstream.js';
import { viaProxy } from './gateway-harness.js';
import { REPLICA_HOST, startReplica, type Replica } from './pg-replica.js';

const HOST = REPLICA_HOST;

/** Runs `fn` with a test upstream and two replicas on the database at `databaseUrl`, closing all after. */
async function withTwoReplicas(databaseUrl: string, fn: (o: { a: Replica; b: Replica; upstream: TlsUpstream }) => Promise<void>): Promise<void> {
  const masterKey = randomBytes(32);
  const upstream = await startTlsUpstream({ hostnames: [HOST] });
  const replicas: Replica[] = [];
  try {
    replicas.push(await startReplica({ databaseUrl, masterKey, upstream }));
    replicas.push(await startReplica({ databaseUrl, masterKey, upstream }));
    await fn({ a: replicas[0]!, b: replicas[1]!, upstream });
  } finally {
    for (const r of replicas) await r.close();
    await upstream.close();
  }
}

describe('two vault replicas on one Postgres database', () => {
  const harness = storeHarness('postgres');

  it("share agents, secrets and the CA: an agent's requests alternate between them, injected by both, logged in one chain", () =>
    withTwoReplicas(harness.location.databaseUrl!, async ({ a, b, upstream }) => {
      expect(b.ca).toEqual(a.ca); // agents trust one CA, whichever replica answers

      // Made through replica A only; replica B serves them.
      const value = `ghp_${randomBytes(16).toString('hex')}`;
      a.store.secrets.create({ name: 'github', type: 'generic', value, hostPattern: HOST, injectionConfig: { headerName: 'Authorization', valueFormat: 'token {value}' } });
      const { token } = a.store.agents.create({ name: 'main', identifier: 'main', secretMode: 'all' });

      for (let i = 0; i < 6; i++) {
        const { gateway } = [a, b][i % 2]!;
        const res = await viaProxy(gateway.port, { token, connect: `${HOST}:${upstream.port}`, ca: a.ca.certPem, path: `/r${i}` });
        expect(res.status, res.body).toBe(200);
      }
      expect(upstream.requests.map((r) => [r.url, r.headers.authorization])).toEqual(
        Array.from({ length: 6 }, (_, i) => [`/r${i}`, `token ${value}`]),
      );
      for (const r of [a, b]) {
        r.gateway.flushAudit(); // sent without waiting...
        r.store.getSetting('sync'); // ...and committed once a later statement of the same replica is answered
      }
      const log = b.store.audit.list({ limit: 100, offset: 0 });
      expect(log.data.map((e) => e.path).sort()).toEqual(Array.from({ length: 6 }, (_, i) => `/r${i}`));
      expect(b.store.audit.verify()).toMatchObject({ ok: true, checked: 6 });
    }));

  it('hold a rate limit of N per minute together: requests alternating between them, N get through', () =>
    withTwoReplicas(harness.location.databaseUrl!, async ({ a, b, upstream }) => {
      a.store.secrets.create({ name: 'github', type: 'api_key', value: `v-${randomBytes(12).toString('hex')}`, hostPattern: HOST });
      const { token } = a.store.agents.create({ name: 'main', identifier: 'main', secretMode: 'all' });
      a.store.rules.create({ action: 'rate_limit', hostPattern: HOST, limit: 3, window: 'minute' });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await viaProxy([a, b][i % 2]!.gateway.port, { token, connect: `${HOST}:${upstream.port}`, ca: a.ca.certPem, path: `/n${i}` });
        statuses.push(res.status);
      }
      // Counted per replica, each would have let 3 through: 6 in all.
      expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
      expect(upstream.requests).toHaveLength(3);
    }));

  it('start as vaults (startVault) on one database: one API key, made by whichever started first, works on both; health names the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncl-replicas-'));
    const key = randomBytes(32).toString('hex');
    const options = (name: string): VaultServerOptions => {
      const dataDir = join(dir, name);
      mkdirSync(dataDir, { mode: 0o700 });
      writeFileSync(join(dataDir, 'master.key'), key, { mode: 0o600 });
      return {
        dataDir,
        databaseUrl: harness.location.databaseUrl!,
        env: {},
        logger: new Logger({ level: 'warn', sink: memorySink(), redactor: new Redactor() }),
        version: '0.0.0-test',
        api: { host: '127.0.0.1', port: 0 },
        gateway: { host: '127.0.0.1', port: 0 },
      };
    };
    const vaults: RunningVault[] = [];
    try {
      vaults.push(await startVault(options('a')), await startVault(options('b')));
      const [a, b] = vaults as [RunningVault, RunningVault];
      expect(a.createdApiKey).toMatch(/^oc_/);
      expect(b.createdApiKey).toBeNull();
      for (const v of vaults) {
        const health = await fetch(`${v.api.url}/api/health`);
        expect(await health.json()).toMatchObject({ status: 'ok', store: 'postgres' });
        const listed = await fetch(`${v.api.url}/v1/secrets`, { headers: { authorization: `Bearer ${a.createdApiKey}` } });
        expect(listed.status).toBe(200);
      }
      expect(b.store.getCa()).toEqual(a.store.getCa());
    } finally {
      for (const v of vaults) await v.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
