import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../common/redact.js';
import { openDatabase } from './db.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { openStore } from './store.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-migrate4-'));
  path = join(dir, 'vault.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T = '2025-01-01T00:00:00.000Z';

describe('migration 4 (how much of the body the approver saw)', () => {
  it('upgrades a version-3 file in place: old approvals read as "unseen: unknown", new ones keep their counts', () => {
    const db = openDatabase(path);
    migrate(db, MIGRATIONS.slice(0, 3));
    db.prepare(`INSERT INTO agents (id, name, identifier, token_hash, secret_mode, created_at) VALUES ('agt_1', 'Main', 'main', ?, 'all', ?)`).run('a'.repeat(64), T);
    db.exec(`INSERT INTO approvals (id, agent_id, agent_identifier, method, host, path, body_preview, body_digest, status, created_at, expires_at)
      VALUES ('apr_old', 'agt_1', 'main', 'POST', 'api.stripe.com', '/v1/charges', 'amount=5', 'd1', 'approved', '${T}', '${T}')`);
    db.close();

    const store = openStore({ path, masterKey: randomBytes(32), redactor: new Redactor() });
    expect(store.approvals.get('apr_old')).toMatchObject({ bodyPreview: 'amount=5', bodySeen: 0, bodyUnseen: null, status: 'approved' });
    const fresh = store.approvals.create({
      id: 'apr_new',
      agentId: 'agt_1',
      agentIdentifier: 'main',
      secretId: null,
      secretName: null,
      ruleId: 'r',
      method: 'POST',
      host: 'api.stripe.com',
      path: '/v1/charges?amount=5',
      headers: {},
      bodyPreview: 'x',
      bodyDigest: 'd2',
      bodySeen: 65_536,
      bodyUnseen: 1234,
      routedTo: null,
      createdAt: T,
      expiresAt: T,
    });
    expect(fresh).toMatchObject({ bodySeen: 65_536, bodyUnseen: 1234, path: '/v1/charges?amount=5' });
    store.close();
    const again = openDatabase(path);
    expect(again.prepare('PRAGMA user_version').get()!.user_version).toBe(MIGRATIONS.at(-1)!.version);
    again.close();
  });
});
