import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../common/redact.js';
import { openDatabase } from './db.js';
import { MIGRATIONS, migrate, type Migration } from './migrations.js';
import { openStore } from './store.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-migrate-'));
  path = join(dir, 'vault.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const version = (db: DatabaseSync) => db.prepare('PRAGMA user_version').get()!.user_version;
const tables = (db: DatabaseSync) =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all().map((r) => r.name);
const latest = MIGRATIONS.at(-1)!.version;

describe('schema migrations', () => {
  it('numbers the steps 1, 2, 3… with nothing skipped', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('builds every table on an empty file, in WAL mode with foreign keys on', () => {
    writeFileSync(path, ''); // an empty file is a valid empty SQLite database
    const db = openDatabase(path);
    expect(migrate(db)).toEqual({ from: 0, to: latest });
    expect(version(db)).toBe(latest);
    expect(tables(db)).toEqual(['agent_secrets', 'agents', 'approval_grants', 'approvals', 'approvers', 'audit', 'audit_chain', 'ca', 'key_check', 'policy_rules', 'secrets', 'settings']);
    expect(db.prepare('PRAGMA journal_mode').get()!.journal_mode).toBe('wal');
    expect(db.prepare('PRAGMA foreign_keys').get()!.foreign_keys).toBe(1);
    expect(db.prepare('PRAGMA busy_timeout').get()!.timeout).toBeGreaterThanOrEqual(5000);
    expect(migrate(db)).toEqual({ from: latest, to: latest }); // a second run is a no-op
    db.close();
  });

  it('reopens an existing vault with its data and applies only new steps', () => {
    const masterKey = randomBytes(32);
    const value = `reopen-${randomBytes(8).toString('hex')}`;
    const first = openStore({ path, masterKey, redactor: new Redactor() });
    const s = first.secrets.create({ name: 'Kept', type: 'api_key', value, hostPattern: 'a.test' });
    first.close();

    const reopened = openStore({ path, masterKey, redactor: new Redactor() });
    expect(reopened.secrets.reveal(s.id)).toBe(value);
    reopened.close();

    const next: Migration = { version: latest + 1, name: 'test step', sql: "ALTER TABLE secrets ADD COLUMN note TEXT NOT NULL DEFAULT 'n'" };
    const db = openDatabase(path);
    expect(migrate(db, [...MIGRATIONS, next])).toEqual({ from: latest, to: latest + 1 });
    expect(db.prepare('SELECT name, note FROM secrets').get()).toEqual({ name: 'Kept', note: 'n' });
    db.close();
  });

  it('rolls a failing step back whole and refuses a schema newer than this code', () => {
    const db = openDatabase(path);
    migrate(db);
    const broken: Migration[] = [
      ...MIGRATIONS,
      { version: latest + 1, name: 'ok part', sql: 'CREATE TABLE extra (x INTEGER)' },
      { version: latest + 2, name: 'bad part', sql: 'CREATE TABLE nope (' },
    ];
    expect(() => migrate(db, broken)).toThrow();
    expect(version(db)).toBe(latest);
    expect(tables(db)).not.toContain('extra');

    db.exec(`PRAGMA user_version = ${latest + 5}`);
    let code = '';
    try {
      migrate(db);
    } catch (err) {
      code = (err as { code: string }).code;
    }
    expect(code).toBe('store_too_new');
    db.close();
  });
});
