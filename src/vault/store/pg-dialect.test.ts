import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations.js';
import { numberParameters, toPostgres, toPostgresDdl } from './pg-dialect.js';

describe('the repos SQL on Postgres', () => {
  it('numbers ? parameters in order, leaving quoted strings and identifiers alone', () => {
    expect(numberParameters("UPDATE a SET x = ? WHERE s = 'why?' AND \"q?\" = ? AND y IN (?, ?)")).toBe(
      "UPDATE a SET x = $1 WHERE s = 'why?' AND \"q?\" = $2 AND y IN ($3, $4)",
    );
    expect(numberParameters("SELECT 'it''s?' , ?")).toBe("SELECT 'it''s?' , $1");
  });

  it('maps the pragmas and the write lock, and refuses a pragma it has no form of', () => {
    expect(toPostgres('PRAGMA data_version')).toEqual({ kind: 'data_version' });
    expect(toPostgres('BEGIN IMMEDIATE', { script: true })).toEqual({ kind: 'begin_write' });
    expect(toPostgres('PRAGMA user_version')).toEqual({ kind: 'query', text: 'SELECT version AS user_version FROM nanoclaw_schema' });
    expect(toPostgres('PRAGMA user_version = 7', { script: true })).toEqual({ kind: 'query', text: 'UPDATE nanoclaw_schema SET version = 7' });
    expect(() => toPostgres('PRAGMA journal_mode = WAL', { script: true })).toThrow(/no Postgres form/);
  });

  it('maps DDL types, keeps columns named like types, and gives rowid-less tables a rowid', () => {
    const ddl = toPostgresDdl(`
      CREATE TABLE key_check (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        blob BLOB NOT NULL
      );
      CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, duration_ms REAL NOT NULL, note TEXT);
      CREATE TABLE grants (a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b)) WITHOUT ROWID;
      CREATE TABLE secrets (id TEXT PRIMARY KEY, n INTEGER CHECK (n IN (1, 2)));
      ALTER TABLE secrets ADD COLUMN seen INTEGER NOT NULL DEFAULT 0;`);
    expect(ddl).toContain('id BIGINT PRIMARY KEY CHECK (id = 1),\n        blob BYTEA NOT NULL');
    expect(ddl).toContain('CREATE TABLE audit (id BIGSERIAL PRIMARY KEY, duration_ms DOUBLE PRECISION NOT NULL, note TEXT COLLATE "C")');
    expect(ddl).toContain('CREATE TABLE grants (a TEXT COLLATE "C" NOT NULL, b TEXT COLLATE "C" NOT NULL, PRIMARY KEY (a, b));');
    expect(ddl).toContain('CREATE TABLE secrets (\n        rowid BIGSERIAL NOT NULL,id TEXT COLLATE "C" PRIMARY KEY, n BIGINT CHECK (n IN (1, 2)))');
    expect(ddl).toContain('ADD COLUMN seen BIGINT NOT NULL DEFAULT 0');
  });

  it('leaves no SQLite-only word in any migration step', () => {
    for (const step of MIGRATIONS) {
      const ddl = toPostgresDdl(step.sql);
      expect(ddl, `step ${step.version}`).not.toMatch(/\b(AUTOINCREMENT|WITHOUT ROWID|BLOB|REAL|PRAGMA)\b|\bINTEGER\b/);
    }
  });
});
