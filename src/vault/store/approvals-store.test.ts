import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../common/redact.js';
import { exportBackup, restoreBackup } from './backup.js';
import { openDatabase } from './db.js';
import { openStore } from './store.js';
import type { VaultStore } from './types.js';

let dir: string;
let store: VaultStore;
const masterKey = randomBytes(32);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-approvals-store-'));
  store = openStore({ path: join(dir, 'vault.db'), masterKey, redactor: new Redactor() });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function newApproval(id: string, agentId: string, createdAt: string) {
  return {
    id,
    agentId,
    agentIdentifier: 'main',
    secretId: null,
    secretName: null,
    ruleId: 'rule_1',
    method: 'POST',
    host: 'api.stripe.com',
    path: '/v1/charges',
    headers: { 'content-type': 'application/json', 'x-trace': 'a=b' },
    bodyPreview: '{"amount":5,"note":"[REDACTED]"}',
    bodyDigest: 'f'.repeat(64),
    bodySeen: 0,
    bodyUnseen: 0,
    routedTo: 'host',
    createdAt,
    expiresAt: '2030-01-01T00:00:00.000Z',
  };
}

describe('approval, grant, approver and rule stores', () => {
  it('round-trips approvals and settles a pending one exactly once', () => {
    const { agent } = store.agents.create({ name: 'Main', identifier: 'main' });
    const a = store.approvals.create(newApproval('apr_a', agent.id, '2025-01-01T00:00:00.000Z'));
    store.approvals.create(newApproval('apr_b', agent.id, '2025-01-02T00:00:00.000Z'));
    expect(a).toEqual({ ...newApproval('apr_a', agent.id, '2025-01-01T00:00:00.000Z'), kind: 'request', status: 'pending', reason: null, decidedBy: null, decidedAt: null });
    expect(store.approvals.list().map((x) => x.id)).toEqual(['apr_b', 'apr_a']);
    expect(store.approvals.list({ limit: 1 }).map((x) => x.id)).toEqual(['apr_b']);

    const settled = store.approvals.settle('apr_a', { status: 'approved', reason: null, decidedBy: 'cli', decidedAt: '2025-01-01T00:01:00.000Z' });
    expect(settled).toMatchObject({ status: 'approved', decidedBy: 'cli', decidedAt: '2025-01-01T00:01:00.000Z' });
    expect(store.approvals.settle('apr_a', { status: 'rejected', reason: 'late', decidedBy: 'x', decidedAt: 'x' })).toBeNull();
    expect(store.approvals.get('apr_a')?.status).toBe('approved');
    expect(store.approvals.setRoutedTo('apr_a', 'other')?.routedTo).toBe('host'); // settled rows keep their route
    expect(store.approvals.setRoutedTo('apr_b', 'apv_1')?.routedTo).toBe('apv_1');
    expect(store.approvals.list({ status: 'pending' }).map((x) => x.id)).toEqual(['apr_b']);
    expect(store.approvals.get('nope')).toBeNull();
  });

  it('keeps grants per agent, method and host, and hides expired ones', () => {
    const { agent } = store.agents.create({ name: 'Main', identifier: 'main' });
    const secret = store.secrets.create({ name: 'Stripe', type: 'api_key', value: 'sk_test_123456', hostPattern: 'api.stripe.com' });
    const live = store.approvalGrants.create({ agentId: agent.id, secretId: secret.id, method: 'post', host: 'API.stripe.com', pathPrefix: '/v1/charges', approvalId: 'apr_a', expiresAt: '2030-01-01T00:00:00.000Z' });
    store.approvalGrants.create({ agentId: agent.id, secretId: secret.id, method: 'POST', host: 'api.stripe.com', pathPrefix: '/v1', approvalId: 'apr_b', expiresAt: '2020-01-01T00:00:00.000Z' });
    expect(live).toMatchObject({ method: 'POST', host: 'api.stripe.com', pathPrefix: '/v1/charges', approvalId: 'apr_a' });
    const now = '2025-06-01T00:00:00.000Z';
    expect(store.approvalGrants.listLive(now)).toEqual([live]);
    expect(store.approvalGrants.candidates({ agentId: agent.id, method: 'POST', host: 'api.stripe.com', now })).toEqual([live]);
    expect(store.approvalGrants.candidates({ agentId: agent.id, method: 'GET', host: 'api.stripe.com', now })).toEqual([]);
    // Deleting the secret takes its grants with it.
    store.secrets.delete(secret.id);
    expect(store.approvalGrants.listLive(now)).toEqual([]);
    expect(store.approvalGrants.delete(live.id)).toBe(false);
  });

  it('round-trips approvers and rules; the rule cache follows writes here and elsewhere', () => {
    const approver = store.approvers.create({ name: 'Ops', role: 'group_admin', agentIds: ['agt_1', 'agt_1'], channel: 'telegram', address: '12345' });
    expect(approver).toMatchObject({ name: 'Ops', role: 'group_admin', agentIds: ['agt_1'], channel: 'telegram', address: '12345' });
    expect(store.approvers.list()).toEqual([approver]);
    expect(store.approvers.get(approver.id)).toEqual(approver);

    const rate = store.rules.create({ action: 'rate_limit', hostPattern: '*.Example.com', limit: 5, window: 'minute', agentId: 'agt_1' });
    expect(rate).toEqual({ id: rate.id, action: 'rate_limit', hostPattern: '*.example.com', limit: 5, window: 'minute', agentId: 'agt_1' });
    const first = store.rules.list();
    expect(store.rules.list()).toBe(first); // cached: the gateway calls this per request
    const hold = store.rules.create({ action: 'manual_approval', hostPattern: 'api.stripe.com', pathPattern: '/v1/*', method: 'POST', secretId: 'sec_1' });
    expect(store.rules.list()).toEqual([rate, hold]);
    expect(() => store.rules.create({ action: 'rate_limit', hostPattern: 'a.test' })).toThrow(/limit/);

    // Another connection (a second process) deletes a rule: the cache notices through data_version.
    const other = openDatabase(store.path);
    other.prepare('DELETE FROM policy_rules WHERE id = ?').run(rate.id);
    other.close();
    expect(store.rules.list()).toEqual([hold]);
    expect(store.rules.delete(hold.id)).toBe(true);
    expect(store.rules.list()).toEqual([]);
    expect(store.approvers.delete(approver.id)).toBe(true);
    expect(store.approvers.list()).toEqual([]);
  });

  it('carries rules and approvers (not approvals) through a backup and restore', () => {
    const { agent } = store.agents.create({ name: 'Main', identifier: 'main' });
    const rule = store.rules.create({ action: 'manual_approval', hostPattern: 'api.stripe.com' });
    const approver = store.approvers.create({ name: 'Me', role: 'owner', agentIds: [], channel: 'dashboard', address: '' });
    store.approvals.create(newApproval('apr_a', agent.id, '2025-01-01T00:00:00.000Z'));
    const doc = exportBackup(store, { masterKey });
    store.rules.create({ action: 'block', hostPattern: 'evil.test' });
    expect(store.rules.list()).toHaveLength(2);

    restoreBackup(store, JSON.parse(JSON.stringify(doc)), { masterKey });
    expect(store.rules.list()).toEqual([rule]);
    expect(store.approvers.list()).toEqual([approver]);
    expect(store.approvals.list()).toEqual([]);
  });
});
