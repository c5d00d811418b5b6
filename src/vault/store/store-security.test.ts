import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NanoclawError } from '../../common/errors.js';
import { Redactor, encodedForms } from '../../common/redact.js';
import { uniqueValue as unique, writeSealedSamples } from '../../../test/support/sealed-samples.js';
import { openStore } from './store.js';

let dir: string;
let path: string;
const masterKey = randomBytes(32);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-store-sec-'));
  path = join(dir, 'vault.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = (key = masterKey) => openStore({ path, masterKey: key, redactor: new Redactor() });

function thrown(fn: () => unknown): NanoclawError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NanoclawError) return err;
    throw err;
  }
  throw new Error('expected a NanoclawError');
}

/** Runs SQL on the file behind the store's back, as an attacker with the file would. */
function tamper(sql: string, ...params: (string | Uint8Array)[]): void {
  const raw = new DatabaseSync(path);
  raw.prepare(sql).run(...params);
  raw.close();
}

describe('vault store at rest', () => {
  it('never writes a plaintext value (raw, base64, url-encoded) to the database or its WAL', () => {
    const store = open();
    const { values, caKey } = writeSealedSamples(store);

    const wal = readFileSync(`${path}-wal`);
    const main = readFileSync(path);
    expect(wal.length).toBeGreaterThan(0);
    // The search itself works: non-secret fields are there in clear.
    expect(Buffer.concat([main, wal]).includes('Renamed secret')).toBe(true);
    for (const value of [...values, caKey]) {
      for (const form of encodedForms(value)) {
        expect(main.includes(form), `db holds ${form.slice(0, 12)}…`).toBe(false);
        expect(wal.includes(form), `wal holds ${form.slice(0, 12)}…`).toBe(false);
      }
    }
    store.close();
    const checkpointed = readFileSync(path);
    expect(checkpointed.includes('Renamed secret')).toBe(true);
    for (const value of values) expect(checkpointed.includes(value)).toBe(false);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses another master key with wrong_master_key and a hint, and opens with the right one', () => {
    const store = open();
    const s = store.secrets.create({ name: 'A', type: 'api_key', value: unique('v'), hostPattern: 'a.test' });
    store.close();
    const err = thrown(() => open(randomBytes(32)));
    expect(err.code).toBe('wrong_master_key');
    expect(err.hint).toMatch(/ncl vault restore/);
    const again = open();
    expect(again.secrets.get(s.id)?.name).toBe('A');
    again.close();
  });

  it('refuses a flipped byte and a ciphertext moved to another row, naming the record', () => {
    const store = open();
    const a = store.secrets.create({ name: 'Alpha', type: 'api_key', value: unique('alpha'), hostPattern: 'a.test' });
    const b = store.secrets.create({ name: 'Beta', type: 'api_key', value: unique('beta'), hostPattern: 'b.test' });
    const c = store.secrets.create({ name: 'Gamma', type: 'api_key', value: unique('gamma'), hostPattern: 'c.test' });

    // Moving Beta's ciphertext into Alpha's row: same key, valid blob, wrong record.
    tamper('UPDATE secrets SET value_enc = (SELECT value_enc FROM secrets WHERE id = ?) WHERE id = ?', b.id, a.id);
    const moved = thrown(() => store.secrets.reveal(a.id));
    expect(moved.code).toBe('vault_tampered');
    expect(moved.message).toContain('"Alpha"');

    const raw = new DatabaseSync(path, { readOnly: true });
    const blob = Buffer.from(raw.prepare('SELECT value_enc FROM secrets WHERE id = ?').get(c.id)!.value_enc as Uint8Array);
    raw.close();
    blob[blob.length - 3]! ^= 0x40;
    tamper('UPDATE secrets SET value_enc = ? WHERE id = ?', blob, c.id);
    const flipped = thrown(() => store.secrets.reveal(c.id));
    expect(flipped.code).toBe('vault_tampered');
    expect(flipped.message).toContain('"Gamma"');

    // A row renamed behind the store's back no longer matches its ciphertext either.
    tamper('UPDATE secrets SET name = ? WHERE id = ?', 'Beta renamed', b.id);
    expect(thrown(() => store.secrets.reveal(b.id)).code).toBe('vault_tampered');
    expect(thrown(() => store.snapshot.export()).code).toBe('vault_tampered');
    store.close();
  });

  it('refuses a tampered CA key', () => {
    const store = open();
    store.setCa({ certPem: 'cert', keyPem: 'a private key' });
    const raw = new DatabaseSync(path, { readOnly: true });
    const blob = Buffer.from(raw.prepare('SELECT key_enc FROM ca').get()!.key_enc as Uint8Array);
    raw.close();
    blob[10]! ^= 0x01;
    tamper('UPDATE ca SET key_enc = ?', blob);
    expect(thrown(() => store.getCa()).code).toBe('vault_tampered');
    store.close();
  });

  it('reports a data dir it cannot use as store_unavailable', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const err = thrown(() => openStore({ path: join(blocker, 'vault.db'), masterKey, redactor: new Redactor() }));
    expect(err.code).toBe('store_unavailable');
    expect(err.message).toContain(blocker);
  });
});
