import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { NanoclawError, errorMessage } from '../../common/errors.js';
import type { SqlDatabase, SqlStatement } from './sql-database.js';

/** Long enough that a writer waits out any other writer instead of failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 30_000;

// Extended result codes of node:sqlite errors (err.errcode), see sqlite.org/rescode.html.
const SQLITE_CONSTRAINT_UNIQUE = 2067;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
// SQLSTATE of a unique (or primary key) violation in Postgres.
const PG_UNIQUE_VIOLATION = '23505';

/**
 * Opens (creating if needed) the vault database: WAL, a busy timeout, foreign keys on.
 * The file is created 0600 first; SQLite gives the -wal and -shm files the same mode.
 */
export function openDatabase(path: string): DatabaseSync {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, 'a', 0o600));
    const db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
    try {
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.exec('PRAGMA journal_mode = WAL');
      // Under WAL, NORMAL keeps the database consistent on a crash; only the last commits may be lost.
      db.exec('PRAGMA synchronous = NORMAL');
      db.exec('PRAGMA foreign_keys = ON');
      // Freed pages are zeroed, so a deleted record's ciphertext and name do not linger in the file.
      db.exec('PRAGMA secure_delete = ON');
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  } catch (err) {
    throw new NanoclawError('store_unavailable', `Cannot open the vault database ${path}: ${errorMessage(err)}`, {
      hint: 'Check that the data directory exists and is writable by this user',
      cause: err,
    });
  }
}

/**
 * Runs `fn` in one write transaction. BEGIN IMMEDIATE takes the write lock up front (waiting
 * under the busy timeout), so a read-then-write never fails midway on a stale snapshot.
 * Nested calls join the outer transaction.
 */
export function inTransaction<T>(db: SqlDatabase, fn: () => T): T {
  if (db.isTransaction) return fn();
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

/** True when `err` is a UNIQUE or PRIMARY KEY violation. */
export function isUniqueViolation(err: unknown): boolean {
  const { errcode, sqlState } = (err ?? {}) as { errcode?: unknown; sqlState?: unknown };
  return errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY || sqlState === PG_UNIQUE_VIOLATION;
}

/** `sql → prepared statement`, prepared once per connection (the repos run the same few queries). */
export type Prepare = (sql: string) => SqlStatement;

export function statementCache(db: SqlDatabase): Prepare {
  const cache = new Map<string, SqlStatement>();
  return (sql) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
}
