import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { until } from '../../../test/support/native-tls-peers.js';
import { uniqueValue, writeSealedSamples } from '../../../test/support/sealed-samples.js';
import { storeHarness } from '../../../test/support/store-backends.js';
import { startWriter } from '../../../test/support/store-writer-process.js';
import { Redactor, encodedForms } from '../../common/redact.js';
import { MIGRATIONS } from './migrations.js';
import { CHANGE_CHANNEL } from './pg-bridge.js';
import { openStore } from './store.js';

// What only the Postgres store has to show; the behaviour both stores share is in store.test.ts.
const failsWith = (code: string) => expect.objectContaining({ code });

describe('vault store on Postgres', () => {
  const harness = storeHarness('postgres');
  const masterKey = randomBytes(32);
  const open = (key = masterKey) => openStore({ ...harness.location, masterKey: key, redactor: new Redactor() });

  it('never sends a plaintext value (raw, base64, url-encoded) or the master key to the database', () => {
    const store = open();
    const { values, caKey } = writeSealedSamples(store);
    store.close();

    // Every row of every table of the vault, bytes as text and as hex.
    const tables = harness.rawAll('SELECT tablename FROM pg_tables WHERE schemaname = current_schema()').map((r) => String(r.tablename));
    expect(tables).toEqual(expect.arrayContaining(['secrets', 'ca', 'key_check', 'agents', 'audit']));
    const dump = tables
      .flatMap((t) => harness.rawAll(`SELECT * FROM ${t}`))
      .map((row) => Object.values(row).map((v) => (v instanceof Uint8Array ? `${Buffer.from(v).toString('latin1')} ${Buffer.from(v).toString('hex')}` : String(v))).join(' '))
      .join('\n');
    expect(dump).toContain('Renamed secret'); // the search works: names are in clear
    for (const value of [...values, caKey, masterKey.toString('hex'), masterKey.toString('base64')]) {
      for (const form of encodedForms(value)) expect(dump.includes(form), `the database holds ${form.slice(0, 12)}…`).toBe(false);
    }
  });

  it('refuses another master key, and a ciphertext moved to another row', () => {
    const store = open();
    const a = store.secrets.create({ name: 'Alpha', type: 'api_key', value: uniqueValue('alpha'), hostPattern: 'a.test' });
    const b = store.secrets.create({ name: 'Beta', type: 'api_key', value: uniqueValue('beta'), hostPattern: 'b.test' });
    expect(() => open(randomBytes(32))).toThrow(failsWith('wrong_master_key'));
    harness.rawAll(`UPDATE secrets SET value_enc = (SELECT value_enc FROM secrets WHERE id = '${b.id}') WHERE id = '${a.id}'`);
    expect(() => store.secrets.reveal(a.id)).toThrow(failsWith('vault_tampered'));
    store.close();
  });

  it('applies the migrations once when several processes open a new database at the same moment', async () => {
    const { path, databaseUrl } = harness.location;
    const key = randomBytes(32).toString('hex');
    const openers = [0, 1, 2, 3].map((i) => startWriter({ path, databaseUrl, key, prefix: `p${i}`, count: 0 }));
    await Promise.all(openers.map((w) => w.ready));
    for (const w of openers) w.go();
    for (const r of await Promise.all(openers.map((w) => w.done))) expect(r.code, r.stderr).toBe(0);
    expect(harness.rawAll('SELECT version FROM nanoclaw_schema')).toEqual([{ version: MIGRATIONS.at(-1)!.version }]);
    // One key check: the first opener sealed it, the others proved the same key against it.
    expect(harness.rawAll('SELECT COUNT(*) AS n FROM key_check')).toEqual([{ n: 1 }]);
  });

  it("announces each write to every replica, so a cached rule list follows another replica's change", async () => {
    const a = open();
    const b = open();
    const watcher = new pg.Client({ connectionString: harness.location.databaseUrl! });
    const announced: string[] = [];
    watcher.on('notification', (n) => announced.push(n.payload ?? ''));
    await watcher.connect();
    await watcher.query(`LISTEN ${CHANGE_CHANNEL}`);
    try {
      expect(a.rules.list()).toEqual([]); // cached from here on
      const secret = b.secrets.create({ name: 'S', type: 'api_key', value: uniqueValue('s'), hostPattern: 's.test' });
      b.secrets.markUsed(secret.id); // not announced: nothing cached depends on it
      const rule = b.rules.create({ action: 'block', hostPattern: 'blocked.test' });
      b.setSetting('probe', '1');
      // Announcements arrive in commit order: once the setting's is in, every earlier one is.
      await until(() => announced.includes('settings'), 'the announcement of the setting');
      expect(announced).toEqual(['secrets', 'policy_rules', 'settings']);
      await until(() => a.rules.list().length === 1, "replica A's rule cache to follow B");
      expect(a.rules.list()).toEqual([rule]);
    } finally {
      await watcher.end();
      a.close();
      b.close();
    }
  });

  it("serves the gateway's reads from memory until a write here or on another replica", async () => {
    const a = open();
    const b = open();
    try {
      const { agent, token } = b.agents.create({ name: 'A', identifier: 'a' });
      expect(a.agents.findByToken(token)).toEqual(agent);
      expect(a.agents.findByToken(token)).toBe(a.agents.findByToken(token)); // one object: from memory
      const regenerated = b.agents.regenerateToken(agent.id)!;
      await until(() => a.agents.findByToken(token) === null, "replica A to drop the old token after B's change");
      expect(a.agents.findByToken(regenerated.token)?.id).toBe(agent.id);
      // A write through A itself shows at once, with no announcement to wait for.
      const secret = a.secrets.create({ name: 'S', type: 'api_key', value: uniqueValue('s'), hostPattern: 's.test' });
      expect(a.secrets.list()).toEqual([secret]);
      a.agents.setSecretIds(agent.id, [secret.id]);
      expect(a.agents.grantedSecrets(agent.id)).toEqual([secret]);
    } finally {
      a.close();
      b.close();
    }
  });

  it('comes back after the database restarts: what was cut off fails as store_unavailable, the next call reconnects', async () => {
    const store = open();
    try {
      store.setSetting('k', 'v1');
      await harness.restartServer();
      const attempts: string[] = [];
      let value: string | null = null;
      for (let i = 0; i < 3 && value === null; i++) {
        try {
          value = store.getSetting('k');
        } catch (err) {
          attempts.push((err as { code?: string }).code ?? String(err));
        }
      }
      expect(value).toBe('v1');
      expect(attempts.every((code) => code === 'store_unavailable'), attempts.join()).toBe(true);
      store.setSetting('k', 'v2');
      expect(store.getSetting('k')).toBe('v2');
    } finally {
      store.close();
    }
  });

  it('appends audit batches without waiting, and reports one that failed with the next answer', () => {
    const failures: string[] = [];
    const store = openStore({ ...harness.location, masterKey, redactor: new Redactor(), onBackgroundError: (m) => failures.push(m) });
    const row = { agentId: null, agentIdentifier: null, method: 'GET', host: 'A.test', path: '/', secretName: null, decision: 'tunnelled', status: null, bytesIn: 0, bytesOut: 0, durationMs: 0, reason: null } as const;
    try {
      store.audit.appendMany([row, row]);
      // Sent after the batch, so it sees it: the worker runs everything in the order sent.
      expect(store.audit.list({ limit: 10, offset: 0 }).data.map((e) => e.host)).toEqual(['a.test', 'a.test']);
      harness.rawAll('ALTER TABLE audit RENAME TO audit_away');
      store.audit.appendMany([row]);
      expect(failures).toEqual([]);
      store.getSetting('any'); // the next answer carries the failure
      expect(failures).toEqual([expect.stringContaining('audit')]);
      harness.rawAll('ALTER TABLE audit_away RENAME TO audit');
      store.audit.appendMany([row]);
      expect(store.audit.verify()).toMatchObject({ ok: true, checked: 3 });
    } finally {
      store.close();
    }
  });
});
