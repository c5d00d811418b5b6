/**
 * The SQLite SQL the repos and migrations are written in, mapped to Postgres. Pure. The repos use
 * few SQLite-only constructs, and each has one entry here:
 *
 * | SQLite                                | Postgres                                                  |
 * |---------------------------------------|-----------------------------------------------------------|
 * | `?` parameters                        | `$1, $2, …`                                               |
 * | `BEGIN IMMEDIATE` (global write lock) | `BEGIN` + `pg_advisory_xact_lock` (one writer at a time)  |
 * | `PRAGMA user_version` (read / set)    | the row of `nanoclaw_schema`                              |
 * | `PRAGMA data_version`                 | a counter bumped by NOTIFY from another writer (no query) |
 * | implicit `rowid` (ORDER BY rowid)     | a `rowid BIGSERIAL` column on each table that has one     |
 * | `INTEGER`, `REAL`, `BLOB`, `TEXT`     | `BIGINT`, `DOUBLE PRECISION`, `BYTEA`, `TEXT COLLATE "C"` |
 * | `INTEGER PRIMARY KEY AUTOINCREMENT`   | `BIGSERIAL PRIMARY KEY` (+ a trigger fills an explicit NULL) |
 * | `WITHOUT ROWID`                       | dropped                                                   |
 *
 * Types in DDL are matched in upper case and column names are lower case (the style of
 * migrations.ts), so a column named `blob` stays a column.
 */

/** The key of the advisory lock every write transaction (and so every migration) takes. */
export const WRITE_LOCK_KEY = 0x6e636c77; // "nclw"

/** What `BEGIN IMMEDIATE` becomes: a transaction that first takes the write lock. */
export const BEGIN_WRITE = `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`;

/** The table that holds the schema version (SQLite keeps it in the file header). */
export const SCHEMA_TABLE = 'nanoclaw_schema';

export type PgStatement =
  | { kind: 'query'; text: string }
  | { kind: 'data_version' }
  | { kind: 'begin_write' };

const USER_VERSION_SET = /^\s*PRAGMA\s+user_version\s*=\s*(\d+)\s*;?\s*$/i;

/**
 * One statement of the repos' dialect as Postgres runs it. A script (what `exec` runs: migration
 * steps, transaction control) has its DDL types mapped too; a prepared statement only its parameters.
 */
export function toPostgres(sql: string, { script = false }: { script?: boolean } = {}): PgStatement {
  if (/^\s*PRAGMA\s+data_version\s*;?\s*$/i.test(sql)) return { kind: 'data_version' };
  if (/^\s*BEGIN\s+IMMEDIATE\s*;?\s*$/i.test(sql)) return { kind: 'begin_write' };
  if (/^\s*PRAGMA\s+user_version\s*;?\s*$/i.test(sql)) return { kind: 'query', text: `SELECT version AS user_version FROM ${SCHEMA_TABLE}` };
  const set = USER_VERSION_SET.exec(sql);
  if (set) return { kind: 'query', text: `UPDATE ${SCHEMA_TABLE} SET version = ${Number(set[1])}` };
  if (/^\s*PRAGMA\b/i.test(sql)) throw new Error(`vault store: no Postgres form of ${sql.trim()}`);
  return { kind: 'query', text: script ? toPostgresDdl(sql) : numberParameters(sql) };
}

/** `?` → `$n`, leaving quoted strings and identifiers alone. */
export function numberParameters(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '?') {
      out += `$${++n}`;
      continue;
    }
    out += ch;
  }
  return out;
}

/** A migration step's DDL in Postgres types; tables without an INTEGER PRIMARY KEY get a `rowid` column. */
export function toPostgresDdl(sql: string): string {
  const withRowid = sql.replace(/CREATE TABLE (\w+) \(/g, (head: string, _name: string, at: number) => {
    const body = tableBody(sql, at + head.length);
    const hasRowidAlias = /\bINTEGER PRIMARY KEY\b/.test(body.text);
    const withoutRowid = /^\s*WITHOUT ROWID/.test(sql.slice(body.end + 1));
    return hasRowidAlias || withoutRowid ? head : `${head}\n        rowid BIGSERIAL NOT NULL,`;
  });
  return withRowid
    .replace(/\)\s*WITHOUT ROWID/g, ')')
    .replace(/\bINTEGER PRIMARY KEY AUTOINCREMENT\b/g, 'BIGSERIAL PRIMARY KEY')
    .replace(/\bINTEGER\b/g, 'BIGINT')
    .replace(/\bREAL\b/g, 'DOUBLE PRECISION')
    .replace(/\bBLOB\b/g, 'BYTEA')
    .replace(/\bTEXT\b/g, 'TEXT COLLATE "C"');
}

/** The text between the parenthesis opened before `start` and its match. */
function tableBody(sql: string, start: number): { text: string; end: number } {
  let depth = 1;
  for (let i = start; i < sql.length; i++) {
    if (sql[i] === '(') depth++;
    else if (sql[i] === ')' && --depth === 0) return { text: sql.slice(start, i), end: i };
  }
  throw new Error('vault store: unbalanced parentheses in a CREATE TABLE');
}
