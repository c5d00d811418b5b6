import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../common/redact.js';
import { sealRecord } from './crypto.js';
import { openDatabase } from './db.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { openStore } from './store.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-migrate2-'));
  path = join(dir, 'vault.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T = '2025-01-01T00:00:00.000Z';

/** A version-1 file as the previous release left it: an agent, a sealed secret and two approvals. */
function writeV1(masterKey: Buffer, value: string): void {
  const db = openDatabase(path);
  migrate(db, MIGRATIONS.slice(0, 1));
  db.prepare(`INSERT INTO agents (id, name, identifier, token_hash, secret_mode, created_at) VALUES ('agt_1', 'Main', 'main', ?, 'selective', ?)`).run('a'.repeat(64), T);
  const valueEnc = sealRecord({ key: masterKey, id: 'sec_1', name: 'Stripe', plaintext: value });
  db.prepare(`INSERT INTO secrets (id, name, type, host_pattern, value_enc, created_at, updated_at) VALUES ('sec_1', 'Stripe', 'api_key', 'api.stripe.com', ?, ?, ?)`).run(valueEnc, T, T);
  db.exec(`INSERT INTO approvals (id, agent_id, secret_id, method, host, path, body_digest, body_preview, status, reason, created_at, expires_at, decided_at)
    VALUES ('apr_old1', 'agt_1', 'sec_1', 'POST', 'api.stripe.com', '/v1/charges', 'd1', 'amount=5', 'approved', 'ok', '${T}', '${T}', '${T}'),
           ('apr_old2', 'agt_1', NULL, 'GET', 'api.stripe.com', '/v1/x', NULL, NULL, 'pending', NULL, '${T}', '${T}', NULL)`);
  expect(() => db.exec("UPDATE approvals SET status = 'cancelled' WHERE id = 'apr_old2'")).toThrow(/CHECK/);
  db.close();
}

const version = (db: DatabaseSync) => db.prepare('PRAGMA user_version').get()!.user_version;

describe('migration 2 (approvals, grants, approvers, rules)', () => {
  it('upgrades a version-1 file with data in place, keeping approvals and secrets', () => {
    const masterKey = randomBytes(32);
    const value = `sk_live_${randomBytes(8).toString('hex')}`;
    writeV1(masterKey, value);

    const store = openStore({ path, masterKey, redactor: new Redactor() });
    expect(store.secrets.reveal('sec_1')).toBe(value);
    expect(store.approvals.get('apr_old1')).toMatchObject({
      agentIdentifier: 'main',
      secretId: 'sec_1',
      secretName: 'Stripe',
      bodyDigest: 'd1',
      bodyPreview: 'amount=5',
      headers: {},
      status: 'approved',
      reason: 'ok',
      routedTo: null,
      decidedBy: null,
    });
    expect(store.approvals.get('apr_old2')).toMatchObject({ bodyDigest: '', bodyPreview: '', secretName: null, status: 'pending' });
    // The new CHECK takes `cancelled`.
    expect(store.approvals.settle('apr_old2', { status: 'cancelled', reason: 'client disconnected', decidedBy: null, decidedAt: T })?.status).toBe('cancelled');
    const rule = store.rules.create({ action: 'manual_approval', hostPattern: 'api.stripe.com', method: 'post' });
    expect(rule.method).toBe('POST');
    store.close();

    const db = openDatabase(path);
    expect(version(db)).toBe(MIGRATIONS.at(-1)!.version);
    // The rebuilt table still cascades from agents, and the new tables are there.
    db.exec("DELETE FROM agents WHERE id = 'agt_1'");
    expect(db.prepare('SELECT COUNT(*) AS n FROM approvals').get()!.n).toBe(0);
    expect(db.prepare('SELECT COUNT(*) AS n FROM policy_rules').get()!.n).toBe(1);
    db.close();
  });

  it('rolls back whole when the rebuild cannot copy a row', () => {
    const masterKey = randomBytes(32);
    writeV1(masterKey, 'v');
    const db = openDatabase(path);
    // A row the new schema refuses (a status outside the new CHECK) makes the step fail as a unit.
    db.exec('PRAGMA ignore_check_constraints = ON');
    db.exec("UPDATE approvals SET status = 'weird' WHERE id = 'apr_old1'");
    db.exec('PRAGMA ignore_check_constraints = OFF');
    expect(() => migrate(db)).toThrow(/CHECK/);
    expect(version(db)).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('approvals_v2', 'policy_rules')").all()).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM approvals').get()!.n).toBe(2);
    db.close();
  });
});
