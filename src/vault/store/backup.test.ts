import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../common/atomic-write.js';
import { NanoclawError } from '../../common/errors.js';
import { Redactor, encodedForms } from '../../common/redact.js';
import { exportBackup, restoreBackup, type BackupDocument } from './backup.js';
import { openStore } from './store.js';
import type { VaultStore } from './types.js';

const PASSPHRASE = 'correct horse battery staple';
let dir: string;
let source: VaultStore;
let values: Map<string, string>;
let grants: { agentId: string; ids: string[]; token: string };
const sourceKey = randomBytes(32);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-backup-'));
  source = openStore({ path: join(dir, 'source.db'), masterKey: sourceKey, redactor: new Redactor() });
  values = new Map();
  const ids: string[] = [];
  for (const name of ['GitHub', 'Anthropic', 'OpenAI', 'Unused']) {
    const value = `backup-${name}-${randomBytes(16).toString('hex')}`;
    const s = source.secrets.create({ name, type: 'generic', value, hostPattern: `${name.toLowerCase()}.test`, pathPattern: '/v1/*', injectionConfig: { headerName: 'x-key' } });
    values.set(s.id, value);
    if (name !== 'Unused') ids.push(s.id);
  }
  const { agent, token } = source.agents.create({ name: 'Main', identifier: 'main' });
  source.agents.update(agent.id, { egressPolicy: 'allowlist', allowHosts: ['pypi.org'] });
  source.agents.setSecretIds(agent.id, ids);
  source.agents.create({ name: 'Everything', identifier: 'all', secretMode: 'all' });
  source.setSetting('api_key_sha256', 'ab'.repeat(32));
  source.setCa({ certPem: 'the cert', keyPem: `ca-key-${randomBytes(12).toString('hex')}` });
  source.audit.append({ agentId: agent.id, agentIdentifier: 'main', method: 'GET', host: 'github.test', path: '/', secretName: 'GitHub', decision: 'injected', status: 200, bytesIn: 1, bytesOut: 2, durationMs: 3, reason: null });
  grants = { agentId: agent.id, ids, token };
});
afterEach(() => {
  source.close();
  rmSync(dir, { recursive: true, force: true });
});

function emptyStore(name: string, key = randomBytes(32)): VaultStore {
  return openStore({ path: join(dir, name), masterKey: key, redactor: new Redactor() });
}
function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof NanoclawError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('backup and restore', () => {
  it('restores every secret, agent, grant, setting and the CA into a new vault with another master key', async () => {
    const doc = exportBackup(source, { passphrase: PASSPHRASE }, { includeAudit: true });
    const file = join(dir, 'vault.backup.json');
    await writeFileAtomic(file, JSON.stringify(doc, null, 1), { mode: 0o600 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(file);
    expect(bytes.includes('nanoclaw-vault-backup')).toBe(true);
    for (const value of [...values.values(), source.getCa()!.keyPem, grants.token]) {
      for (const form of encodedForms(value)) expect(bytes.includes(form), `backup holds ${form.slice(0, 10)}…`).toBe(false);
    }
    expect(bytes.includes('GitHub')).toBe(false); // names and hosts are inside the payload too

    const target = emptyStore('target.db');
    target.secrets.create({ name: 'Will be replaced', type: 'api_key', value: 'x'.repeat(12), hostPattern: 'old.test' });
    const summary = restoreBackup(target, JSON.parse(readFileSync(file, 'utf8')), { passphrase: PASSPHRASE });
    expect(summary).toMatchObject({ secrets: 4, agents: 2, grants: 3, settings: 1, audit: 1 });

    expect(target.secrets.list()).toEqual(source.secrets.list());
    for (const [id, value] of values) expect(target.secrets.reveal(id)).toBe(value);
    expect(target.secrets.getByName('Will be replaced')).toBeNull();
    expect(target.agents.list()).toEqual(source.agents.list());
    expect(target.agents.getSecretIds(grants.agentId)).toEqual(grants.ids);
    expect(target.agents.findByToken(grants.token)?.identifier).toBe('main');
    expect(target.agents.grantedSecrets(target.agents.getByIdentifier('all')!.id)).toHaveLength(4);
    expect(target.getSetting('api_key_sha256')).toBe('ab'.repeat(32));
    expect(target.getCa()).toEqual(source.getCa());
    expect(target.audit.list({ limit: 10, offset: 0 }).data).toEqual(source.audit.list({ limit: 10, offset: 0 }).data);
    target.close();
  });

  it('refuses a wrong passphrase and leaves the target untouched', () => {
    const doc = exportBackup(source, { passphrase: PASSPHRASE });
    const target = emptyStore('target.db');
    const keep = target.secrets.create({ name: 'Keep', type: 'api_key', value: 'k'.repeat(12), hostPattern: 'k.test' });
    expect(code(() => restoreBackup(target, doc, { passphrase: 'Correct horse battery staple' }))).toBe('wrong_passphrase');
    expect(code(() => restoreBackup(target, doc, { masterKey: sourceKey }))).toBe('backup_key_mismatch');
    expect(target.secrets.list().map((s) => s.id)).toEqual([keep.id]);
    target.close();
  });

  it('with the master key: restores where that key is, refuses another key', () => {
    const doc = exportBackup(source, { masterKey: sourceKey });
    expect(doc.protection.kind).toBe('master-key');
    const other = emptyStore('other.db');
    expect(code(() => restoreBackup(other, doc, { masterKey: randomBytes(32) }))).toBe('wrong_master_key');
    expect(code(() => restoreBackup(other, doc, { passphrase: PASSPHRASE }))).toBe('backup_key_mismatch');
    restoreBackup(other, doc, { masterKey: sourceKey });
    for (const [id, value] of values) expect(other.secrets.reveal(id)).toBe(value);
    expect(other.audit.list({ limit: 10, offset: 0 }).total).toBe(0); // audit left out unless asked
    other.close();
  });

  it('refuses an altered payload, an altered header, a newer format and a non-backup', () => {
    const doc = exportBackup(source, { passphrase: PASSPHRASE });
    const target = emptyStore('target.db');
    const payload = Buffer.from(doc.payload, 'base64');
    payload[payload.length - 5]! ^= 0x01;
    const altered: BackupDocument = { ...doc, payload: payload.toString('base64') };
    expect(code(() => restoreBackup(target, altered, { passphrase: PASSPHRASE }))).toBe('backup_tampered');
    const recounted: BackupDocument = { ...doc, counts: { ...doc.counts, secrets: 0 } };
    expect(code(() => restoreBackup(target, recounted, { passphrase: PASSPHRASE }))).toBe('backup_tampered');
    expect(code(() => restoreBackup(target, { ...doc, version: 2 }, { passphrase: PASSPHRASE }))).toBe('backup_unsupported');
    expect(code(() => restoreBackup(target, { hello: 'world' }, { passphrase: PASSPHRASE }))).toBe('backup_invalid');
    const cheapKdf = { ...doc, protection: { ...doc.protection, N: 2 ** 30 } };
    expect(code(() => restoreBackup(target, cheapKdf, { passphrase: PASSPHRASE }))).toBe('backup_invalid');
    expect(target.secrets.list()).toEqual([]);
    target.close();
  });
});
