import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORE_BACKENDS, storeHarness } from '../../../test/support/store-backends.js';
import { seededRandom } from '../../../test/support/seeded-random.js';
import { REDACTED, Redactor } from '../../common/redact.js';
import type { NewAuditEntry } from '../model/records.js';
import type { VaultStore } from './types.js';

const GH_VALUE = `ghp_${randomBytes(16).toString('hex')}`;
const ROTATED = `rotated-${randomBytes(12).toString('hex')}`;

describe.each(STORE_BACKENDS)('%s store', (backend) => {
  let redactor: Redactor;
  let store: VaultStore;
  const harness = storeHarness(backend);

  let key: Buffer;

  beforeEach(() => {
    redactor = new Redactor();
    key = randomBytes(32);
    store = harness.open({ masterKey: key, redactor });
  });
  afterEach(() => {
    store.close();
  });

  const header = { headerName: 'Authorization', valueFormat: 'Bearer {value}' };
  const newSecret = (name: string, value = GH_VALUE) => store.secrets.create({ name, type: 'generic', value, hostPattern: 'api.github.com', injectionConfig: header });
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as { code?: string }).code;
    }
    return 'no error';
  };

  describe('secrets', () => {
    it('creates, reads, lists, updates, renames, rotates and deletes', () => {
      const s = newSecret('GitHub');
      expect(s).toMatchObject({ name: 'GitHub', type: 'generic', hostPattern: 'api.github.com', pathPattern: null, injectionConfig: header, lastUsedAt: null });
      expect(s.id).toMatch(/^sec_[0-9a-f]{24}$/);
      expect(s).not.toHaveProperty('value');
      expect(store.secrets.get(s.id)).toEqual(s);
      expect(store.secrets.getByName('GitHub')).toEqual(s);
      expect(store.secrets.list()).toEqual([s]);
      expect(store.secrets.get('sec_nope')).toBeNull();

      const renamed = store.secrets.update(s.id, { name: 'GitHub token', pathPattern: '/repos/*' });
      expect(renamed).toMatchObject({ id: s.id, name: 'GitHub token', pathPattern: '/repos/*', injectionConfig: header });
      expect(store.secrets.reveal(s.id)).toBe(GH_VALUE); // re-sealed under the new name, still opens
      const rotated = store.secrets.update(s.id, { value: ROTATED, type: 'api_key', injectionConfig: null, pathPattern: null });
      expect(rotated).toMatchObject({ type: 'api_key', injectionConfig: null, pathPattern: null });
      expect(store.secrets.reveal(s.id)).toBe(ROTATED);
      expect(store.secrets.update('sec_nope', { name: 'x' })).toBeNull();

      store.secrets.markUsed(s.id, new Date('2030-01-02T03:04:05Z'));
      expect(store.secrets.get(s.id)?.lastUsedAt).toBe('2030-01-02T03:04:05.000Z');
      expect(store.secrets.delete(s.id)).toBe(true);
      expect(store.secrets.delete(s.id)).toBe(false);
      expect(store.secrets.reveal(s.id)).toBeNull();
      expect(store.secrets.list()).toEqual([]);
    });

    it('refuses a taken name on create and on rename with code conflict', () => {
      newSecret('A');
      const b = newSecret('B');
      expect(codeOf(() => newSecret('A'))).toBe('conflict');
      expect(codeOf(() => store.secrets.update(b.id, { name: 'A' }))).toBe('conflict');
      expect(store.secrets.getByName('B')?.id).toBe(b.id);
    });

    it('registers a revealed value with the redactor', () => {
      const fresh = `plain-${randomBytes(6).toString('hex')}`;
      const t = store.secrets.create({ name: 'Plain', type: 'api_key', value: fresh, hostPattern: 'a.test' });
      expect(redactor.redact(fresh)).toBe(fresh);
      expect(store.secrets.reveal(t.id)).toBe(fresh);
      expect(redactor.redact(`v=${fresh}`)).toBe(`v=${REDACTED}`);
    });
  });

  describe('agents', () => {
    it('creates with a one-time token, stores only its hash, finds by token, regenerates', () => {
      const { agent, token } = store.agents.create({ name: 'Main', identifier: 'main' });
      expect(token).toMatch(/^aoc_[0-9a-f]{64}$/);
      expect(agent).toMatchObject({ name: 'Main', identifier: 'main', secretMode: 'selective', egressPolicy: 'tunnel', allowHosts: [] });
      expect(agent.id).toMatch(/^agt_[0-9a-f]{24}$/);
      expect(store.agents.findByToken(token)).toEqual(agent);
      expect(store.agents.findByToken(token.slice(0, -1) + (token.endsWith('0') ? '1' : '0'))).toBeNull();
      expect(store.agents.findByToken('')).toBeNull();
      expect(store.agents.getByIdentifier('main')).toEqual(agent);

      const row = harness.rawAll('SELECT * FROM agents')[0]!;
      expect(JSON.stringify(row)).not.toContain(token.slice(4));
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);

      const again = store.agents.regenerateToken(agent.id)!;
      expect(again.token).not.toBe(token);
      expect(store.agents.findByToken(token)).toBeNull();
      expect(store.agents.findByToken(again.token)?.id).toBe(agent.id);
      expect(store.agents.regenerateToken('agt_nope')).toBeNull();
      expect(codeOf(() => store.agents.create({ name: 'Other', identifier: 'main' }))).toBe('conflict');
    });

    it('updates name, mode, egress policy and allowed hosts; deletes', () => {
      const { agent } = store.agents.create({ name: 'Main', identifier: 'main', secretMode: 'all' });
      expect(agent.secretMode).toBe('all');
      const updated = store.agents.update(agent.id, { name: 'Renamed', secretMode: 'selective', egressPolicy: 'allowlist', allowHosts: ['pypi.org', '*.npmjs.org'] });
      expect(updated).toMatchObject({ name: 'Renamed', identifier: 'main', secretMode: 'selective', egressPolicy: 'allowlist', allowHosts: ['pypi.org', '*.npmjs.org'] });
      expect(store.agents.list()).toEqual([updated]);
      expect(store.agents.update('agt_nope', { name: 'x' })).toBeNull();
      expect(store.agents.delete(agent.id)).toBe(true);
      expect(store.agents.get(agent.id)).toBeNull();
      expect(store.agents.delete(agent.id)).toBe(false);
    });

    it('replaces grants, names unknown ids, serves all or granted secrets, cascades deletes', () => {
      const a = newSecret('A');
      const b = newSecret('B');
      const c = newSecret('C');
      const { agent } = store.agents.create({ name: 'Main', identifier: 'main' });
      expect(store.agents.getSecretIds(agent.id)).toEqual([]);
      expect(store.agents.grantedSecrets(agent.id)).toEqual([]);
      expect(store.agents.setSecretIds(agent.id, [c.id, a.id, a.id])).toEqual([a.id, c.id]);
      expect(store.agents.grantedSecrets(agent.id).map((s) => s.name)).toEqual(['A', 'C']);

      let message = '';
      try {
        store.agents.setSecretIds(agent.id, [b.id, 'sec_missing1', 'sec_missing2']);
      } catch (err) {
        expect((err as { code: string }).code).toBe('not_found');
        message = (err as Error).message;
      }
      expect(message).toContain('sec_missing1');
      expect(message).toContain('sec_missing2');
      expect(store.agents.getSecretIds(agent.id)).toEqual([a.id, c.id]); // the failed call changed nothing

      store.agents.update(agent.id, { secretMode: 'all' });
      expect(store.agents.grantedSecrets(agent.id).map((s) => s.name)).toEqual(['A', 'B', 'C']);
      store.agents.update(agent.id, { secretMode: 'selective' });
      store.secrets.delete(c.id);
      expect(store.agents.getSecretIds(agent.id)).toEqual([a.id]);
      expect(store.agents.setSecretIds('agt_nope', [])).toBeNull();
      expect(store.agents.getSecretIds('agt_nope')).toBeNull();
      expect(store.agents.grantedSecrets('agt_nope')).toEqual([]);

      store.agents.delete(agent.id);
      expect(harness.rawAll('SELECT COUNT(*) AS n FROM agent_secrets')[0]!.n).toBe(0);
    });
  });

  describe('audit', () => {
    const entry = (over: Partial<NewAuditEntry>): NewAuditEntry => ({
      agentId: 'agt_1', agentIdentifier: 'main', method: 'GET', host: 'api.github.com', path: '/user', secretName: 'GitHub',
      decision: 'injected', status: 200, bytesIn: 10, bytesOut: 20, durationMs: 1.5, reason: null, ...over,
    });

    it('appends and lists newest first with every filter, limit, offset and total', () => {
      const first = store.audit.append(entry({ time: '2030-01-01T00:00:00Z' }));
      expect(first).toMatchObject({ id: expect.any(Number), time: '2030-01-01T00:00:00.000Z', host: 'api.github.com', durationMs: 1.5 });
      store.audit.append(entry({ time: '2030-01-02T00:00:00+02:00', host: 'API.Anthropic.com', secretName: 'Claude', agentId: 'agt_2', agentIdentifier: 'other' }));
      store.audit.append(entry({ time: '2030-01-03T00:00:00Z', decision: 'blocked', status: 403, secretName: null }));
      store.audit.append(entry({ time: '2030-01-04T00:00:00Z', decision: 'tunnelled', status: null, host: 'pypi.org' }));

      const all = store.audit.list({ limit: 100, offset: 0 });
      expect(all.total).toBe(4);
      expect(all.data.map((e) => e.time)).toEqual(['2030-01-04T00:00:00.000Z', '2030-01-03T00:00:00.000Z', '2030-01-01T22:00:00.000Z', '2030-01-01T00:00:00.000Z']);
      expect(all.data[3]).toEqual(first);

      const names = (q: Parameters<VaultStore['audit']['list']>[0]) => store.audit.list(q).data.map((e) => `${e.host}/${e.decision}`);
      expect(names({ limit: 10, offset: 0, agent: 'other' })).toEqual(['api.anthropic.com/injected']);
      expect(names({ limit: 10, offset: 0, agent: 'agt_2' })).toEqual(['api.anthropic.com/injected']);
      expect(names({ limit: 10, offset: 0, secret: 'Claude' })).toEqual(['api.anthropic.com/injected']);
      expect(names({ limit: 10, offset: 0, host: 'API.anthropic.com' })).toEqual(['api.anthropic.com/injected']);
      expect(names({ limit: 10, offset: 0, status: 403 })).toEqual(['api.github.com/blocked']);
      expect(names({ limit: 10, offset: 0, decision: 'tunnelled' })).toEqual(['pypi.org/tunnelled']);
      expect(names({ limit: 10, offset: 0, since: '2030-01-03T00:00:00Z' })).toEqual(['pypi.org/tunnelled', 'api.github.com/blocked']);
      expect(names({ limit: 10, offset: 0, since: '2030-01-01T23:00:00+01:00', agent: 'main' })).toEqual(['pypi.org/tunnelled', 'api.github.com/blocked']);

      const page = store.audit.list({ limit: 2, offset: 1 });
      expect(page).toMatchObject({ total: 4, limit: 2, offset: 1 });
      expect(page.data.map((e) => e.time)).toEqual(['2030-01-03T00:00:00.000Z', '2030-01-01T22:00:00.000Z']);
      expect(codeOf(() => store.audit.list({ limit: 1, offset: 0, since: 'yesterday' }))).toBe('validation_error');
    });
    it('appends a batch of any size in order, chained to the rows before it', () => {
      store.audit.append(entry({ path: '/first' }));
      // 150 rows: statements of 64, 64, 16, 4, 1 and 1 rows.
      store.audit.appendMany(Array.from({ length: 150 }, (_, i) => entry({ path: `/${i}`, status: i })));
      store.audit.appendMany([entry({ path: '/last' })]);
      const rows = store.audit.list({ limit: 200, offset: 0 }).data.reverse();
      expect(rows.map((r) => r.path)).toEqual(['/first', ...Array.from({ length: 150 }, (_, i) => `/${i}`), '/last']);
      expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort((a, b) => a - b));
      expect(store.audit.verify()).toMatchObject({ ok: true, checked: 152 });
    });
    it('keeps generated field values exactly, through a batch: quotes, backslashes, non-ASCII, nulls, fractions', () => {
      const r = seededRandom(1919);
      const alphabet = ['a', 'Z', '"', "'", '\\', '/', '?', '&', ' ', '\t', 'é', 'ÿ', '漢', '😀', '{', '}', '[', ']', ',', ':', 'null', '0'];
      const text = () => Array.from({ length: Math.floor(r() * 12) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
      const rows = Array.from({ length: 120 }, (_, i) =>
        entry({
          path: `/${i}/${text()}`,
          host: `h${i}.example`,
          secretName: r() < 0.3 ? null : text(),
          agentId: r() < 0.3 ? null : `agt_${text()}`,
          status: r() < 0.2 ? null : 100 + Math.floor(r() * 500),
          bytesIn: Math.floor(r() * 2 ** 40),
          bytesOut: Math.floor(r() * 2 ** 20),
          durationMs: Math.round(r() * 1e6) / 100,
          reason: r() < 0.5 ? null : text(),
        }),
      );
      store.audit.appendMany(rows);
      const got = store.audit.list({ limit: 200, offset: 0 }).data.reverse();
      expect(got.map(({ id: _id, time: _time, ...rest }) => rest)).toEqual(rows);
      expect(store.audit.verify()).toMatchObject({ ok: true, checked: 120 });
    });
    it('gives rows appended after a restore ids past the restored ones, and never an id taken before', () => {
      const restored = (id: number) => ({ id, time: '2020-01-01T00:00:00.000Z', ...entry({ path: `/restored/${id}` }) });
      const ids = () => store.audit.list({ limit: 100, offset: 0 }).data.map((e) => e.id);
      store.audit.replaceAll([restored(1000), restored(1001)]);
      store.audit.append(entry({ path: '/one' }));
      store.audit.appendMany([entry({ path: '/batch' }), entry({ path: '/batch' })]);
      expect(ids()).toEqual([1004, 1003, 1002, 1001, 1000]);
      // Restored below the ids given out: the next row still takes a new one.
      store.audit.replaceAll([restored(1), restored(2)]);
      store.audit.appendMany([entry({ path: '/after' })]);
      expect(ids()).toEqual([1005, 2, 1]);
      expect(store.audit.verify()).toMatchObject({ ok: true, checked: 3 });
    });
  });

  describe('CA and settings', () => {
    it('keeps the CA key encrypted and settings as plain rows', () => {
      expect(store.getCa()).toBeNull();
      const keyPem = `-----BEGIN PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END PRIVATE KEY-----\n`;
      store.setCa({ certPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', keyPem });
      expect(store.getCa()).toEqual({ certPem: expect.stringContaining('CERTIFICATE'), keyPem });
      const second = { certPem: 'cert2', keyPem: 'key2-material' };
      store.setCa(second);
      expect(store.getCa()).toEqual(second);
      const row = harness.rawAll('SELECT * FROM ca')[0]!;
      expect(Buffer.from(row.key_enc as Uint8Array).includes('key2-material')).toBe(false);

      expect(store.getSetting('api_key_sha256')).toBeNull();
      store.setSetting('api_key_sha256', 'abc');
      store.setSetting('api_key_sha256', 'def');
      expect(store.getSetting('api_key_sha256')).toBe('def');
      expect(store.addSetting('api_key_sha256', 'ghi')).toBe(false);
      expect(store.addSetting('other', 'x')).toBe(true);
      expect(store.getSetting('api_key_sha256')).toBe('def');
    });

    it('makes the CA only when there is none, and a second store opened on the same vault agrees on it', () => {
      const made = { certPem: 'cert-1', keyPem: 'key-1' };
      expect(store.ensureCa(() => made)).toEqual(made);
      const other = harness.open({ masterKey: key, redactor: new Redactor() });
      try {
        expect(other.ensureCa(() => ({ certPem: 'cert-2', keyPem: 'key-2' }))).toEqual(made);
      } finally {
        other.close();
      }
    });
  });
});
