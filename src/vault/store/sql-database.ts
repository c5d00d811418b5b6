/**
 * The part of a synchronous SQL connection the repos use: node:sqlite's `DatabaseSync` has this
 * shape as it is, and the Postgres store (pg-database.ts) implements it over a worker thread.
 * The repos are written once, in the SQL both accept (pg-dialect.ts lists what it maps).
 */

/** A value bound to a `?` parameter. */
export type SqlValue = null | number | bigint | string | Uint8Array;

/** A row: column name to value (text, number, blob or null). */
export type SqlRow = Record<string, SqlValue>;

export interface SqlRunResult {
  changes: number | bigint;
  /** SQLite only (0 on Postgres): the repos use RETURNING instead. */
  lastInsertRowid: number | bigint;
}

export interface SqlStatement {
  get(...params: SqlValue[]): SqlRow | undefined;
  all(...params: SqlValue[]): SqlRow[];
  run(...params: SqlValue[]): SqlRunResult;
}

export interface SqlDatabase {
  prepare(sql: string): SqlStatement;
  /** Runs one or more statements without parameters. */
  exec(sql: string): void;
  readonly isTransaction: boolean;
  readonly isOpen: boolean;
  close(): void;
}
