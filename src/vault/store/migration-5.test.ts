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
  dir = mkdtempSync(join(tmpdir(), 'ncl-migrate5-'));
  path = join(dir, 'vault.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T = '2025-01-01T00:00:00.000Z';

describe('migration 5 (egress mode ask, approvals of a new host)', () => {
  it('upgrades a version-4 file keeping every agent, grant and approval; ask round-trips while the old column stays within its CHECK', () => {
    const masterKey = randomBytes(32);
    const db = openDatabase(path);
    migrate(db, MIGRATIONS.slice(0, 4));
    db.close();
    // Written by the older schema: an allowlist agent with a grant and an approval.
    const raw = openDatabase(path);
    expect(raw.prepare('PRAGMA user_version').get()!.user_version).toBe(4);
    raw.prepare(`INSERT INTO agents (id, name, identifier, token_hash, secret_mode, egress_policy, allow_hosts, created_at) VALUES ('agt_1', 'Main', 'main', ?, 'selective', 'allowlist', '["a.test"]', ?)`).run('a'.repeat(64), T);
    raw.exec(`INSERT INTO secrets (id, name, type, host_pattern, value_enc, created_at, updated_at) VALUES ('sec_1', 'S', 'api_key', 'a.test', x'00', '${T}', '${T}')`);
    raw.exec(`INSERT INTO agent_secrets (agent_id, secret_id) VALUES ('agt_1', 'sec_1')`);
    raw.exec(`INSERT INTO approvals (id, agent_id, agent_identifier, method, host, path, status, created_at, expires_at) VALUES ('apr_old', 'agt_1', 'main', 'POST', 'a.test', '/x', 'approved', '${T}', '${T}')`);
    raw.close();

    const store = openStore({ path, masterKey, redactor: new Redactor() });
    expect(store.agents.get('agt_1')).toMatchObject({ egressPolicy: 'allowlist', allowHosts: ['a.test'] });
    expect(store.agents.getSecretIds('agt_1')).toEqual(['sec_1']);
    expect(store.approvals.get('apr_old')).toMatchObject({ kind: 'request', status: 'approved' });
    expect(store.agents.update('agt_1', { egressPolicy: 'ask' })).toMatchObject({ egressPolicy: 'ask', allowHosts: ['a.test'] });
    expect(store.agents.getSecretIds('agt_1')).toEqual(['sec_1']);
    store.close();
    const check = openDatabase(path);
    // A nanoclaw that only knew egress_policy would read the nearest old mode, which refuses unlisted hosts.
    expect(check.prepare("SELECT egress_policy, egress_mode FROM agents WHERE id = 'agt_1'").get()).toEqual({ egress_policy: 'allowlist', egress_mode: 'ask' });
    expect(check.prepare('PRAGMA user_version').get()!.user_version).toBe(MIGRATIONS.at(-1)!.version);
    check.close();
    const back = openStore({ path, masterKey, redactor: new Redactor() });
    expect(back.agents.update('agt_1', { egressPolicy: 'tunnel' })).toMatchObject({ egressPolicy: 'tunnel' });
    back.close();
  });
});
