import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySink } from '../../src/common/logger.js';
import { startVault, type RunningVault } from '../../src/vault/server.js';
import { vaultTestDir, vaultTestOptions } from '../support/vault-options.js';
import { viaProxy } from './gateway-harness.js';

/**
 * The whole vault as `ncl vault serve` composes it (server.ts): a request that would use a
 * honeytoken is refused by its gateway and the alert reaches its approvals service, so the
 * dashboard, host clients and Telegram hear of it. The decoy's host is this machine's
 * `localhost`, allowed as a private destination: the request never leaves the gateway.
 */

let dir: string;
let vault: RunningVault;
const sink = memorySink();

beforeAll(async () => {
  dir = vaultTestDir('ncl-vault-decoy-');
  vault = await startVault(
    vaultTestOptions(dir, sink, {
      allowPrivate: ['localhost:443'],
      gatewayTls: (process.env.NANOCLAW_GATEWAY_TLS as 'native' | 'node' | undefined) ?? 'native',
    }),
  );
});
afterAll(async () => {
  await vault?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a honeytoken in the composed vault', () => {
  it('is refused by the gateway and alerts through the vault’s approvals service', async () => {
    const { agent, token } = vault.store.agents.create({ name: 'Main', identifier: 'main', secretMode: 'all' });
    vault.store.secrets.create({ name: 'Local decoy', type: 'honeytoken', value: randomBytes(16).toString('hex'), hostPattern: 'localhost' });
    const alerts: string[] = [];
    vault.approvals.subscribeAlerts((a) => alerts.push(`${a.agentIdentifier} ${a.method} ${a.host}${a.path} ${a.secretName}`));
    const res = await viaProxy(vault.gateway!.port, { token, connect: 'localhost:443', ca: vault.store.getCa()!.certPem, method: 'POST', path: '/admin?key=onecli-managed', body: 'x' });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'blocked_by_policy' });
    expect(alerts).toEqual(['main POST localhost/admin?key= Local decoy']);
    expect(vault.approvals.listAlerts({ after: 0, agentIds: [agent.id] })).toHaveLength(1);
    vault.gateway!.flushAudit();
    expect(vault.store.audit.list({ limit: 10, offset: 0 }).data.find((r) => r.path.startsWith('/admin'))).toMatchObject({ decision: 'blocked', reason: 'honeytoken', secretName: 'Local decoy' });
  });
});
