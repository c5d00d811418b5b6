import { migrate } from './migrations.js';
import { CHANGE_CHANNEL, PgBridge } from './pg-bridge.js';
import { BEGIN_WRITE, SCHEMA_TABLE, toPostgres } from './pg-dialect.js';
import { RATE_COUNTER_SCHEMA, RATE_HITS_TABLE } from './pg-rate-counter.js';
import type { SqlDatabase, SqlRow, SqlStatement } from './sql-database.js';

/** The Postgres store's connection, as the repos see it, and the bridge under it. */
export interface PgDatabase extends SqlDatabase {
  readonly bridge: PgBridge;
  /**
   * Moves whenever what a read returns may have changed: a write through this connection, or
   * another connection's announced commit. Null inside a transaction (nothing read there may be kept).
   */
  dataVersion(): number | null;
}

/** Each vault process's heartbeat (vault/api/replica-registry.ts): Postgres-only, not a numbered migration. */
export const REPLICAS_TABLE = 'nanoclaw_replicas';

// Tables whose writes need no announcement: the audit log is append-only and read on demand, rate hits are counted in the database.
const UNANNOUNCED = ['audit', 'audit_chain', SCHEMA_TABLE, RATE_HITS_TABLE, REPLICAS_TABLE];

/**
 * Announces every committed write to a shared table on CHANGE_CHANNEL (one NOTIFY per table and
 * transaction), so every replica's caches follow. `last_used_at` is left out: the gateway marks
 * secrets used and nothing cached depends on it. Run after each migration, so new tables join.
 */
const CHANGE_TRIGGERS = `
  CREATE OR REPLACE FUNCTION nanoclaw_announce() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN PERFORM pg_notify('${CHANGE_CHANNEL}', TG_TABLE_NAME); RETURN NULL; END $$;
  DO $$ DECLARE t text; cols text; BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema()
        AND tablename NOT IN (${UNANNOUNCED.map((n) => `'${n}'`).join(', ')}) LOOP
      SELECT string_agg(quote_ident(column_name), ', ') INTO cols FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = t AND column_name <> 'last_used_at';
      EXECUTE format('CREATE OR REPLACE TRIGGER nanoclaw_announce AFTER INSERT OR DELETE OR UPDATE OF %s ON %I
        FOR EACH STATEMENT EXECUTE FUNCTION nanoclaw_announce()', cols, t);
      EXECUTE format('CREATE OR REPLACE TRIGGER nanoclaw_announce_truncate AFTER TRUNCATE ON %I
        FOR EACH STATEMENT EXECUTE FUNCTION nanoclaw_announce()', t);
    END LOOP;
  END $$;
  -- SQLite gives an INTEGER PRIMARY KEY inserted as NULL the next id, and an explicit id (a
  -- restore) moves the next one past it. Per row only for an explicit NULL (the WHEN is checked
  -- without calling a function): the gateway's batches leave id to its default, and a PL/pgSQL
  -- call per row was a third of their insert's cost. Explicit ids move the sequence once per
  -- statement, past the largest id in the table (inserts hold the write lock).
  CREATE OR REPLACE FUNCTION nanoclaw_audit_id() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN NEW.id := nextval(pg_get_serial_sequence('audit', 'id')); RETURN NEW; END $$;
  CREATE OR REPLACE TRIGGER nanoclaw_audit_id BEFORE INSERT ON audit FOR EACH ROW WHEN (NEW.id IS NULL)
    EXECUTE FUNCTION nanoclaw_audit_id();
  CREATE OR REPLACE FUNCTION nanoclaw_audit_ids_taken() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE top bigint; BEGIN
    SELECT max(id) INTO top FROM audit;
    IF top >= (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM audit_id_seq) THEN
      PERFORM setval(pg_get_serial_sequence('audit', 'id'), top);
    END IF;
    RETURN NULL;
  END $$;
  CREATE OR REPLACE TRIGGER nanoclaw_audit_ids_taken AFTER INSERT ON audit FOR EACH STATEMENT
    EXECUTE FUNCTION nanoclaw_audit_ids_taken();
`;

/**
 * Connects to Postgres and brings the schema up to date: the same numbered steps as SQLite
 * (migrations.ts), applied once by whichever process takes the write lock first.
 */
export function openPgDatabase({ url }: { url: string }): PgDatabase {
  const bridge = new PgBridge({ url });
  let inTransaction = false;
  let ownWrites = 0;
  const exec = (sql: string): void => {
    ownWrites++;
    const stmt = toPostgres(sql, { script: true });
    if (stmt.kind === 'data_version') throw new Error('vault store: PRAGMA data_version is a query');
    bridge.query(stmt.kind === 'begin_write' ? BEGIN_WRITE : stmt.text, [], { script: true });
    if (stmt.kind === 'begin_write') inTransaction = true;
    else if (/^\s*(COMMIT|ROLLBACK|END)\b/i.test(sql)) inTransaction = false;
  };
  const prepare = (sql: string): SqlStatement => {
    const stmt = toPostgres(sql);
    if (stmt.kind === 'begin_write') throw new Error('vault store: BEGIN IMMEDIATE goes through exec');
    const writes = !/^\s*SELECT\b/i.test(sql);
    const query = (params: unknown[]): { rows: SqlRow[]; rowCount: number } => {
      if (stmt.kind === 'data_version') return { rows: [{ data_version: bridge.changes }], rowCount: 1 };
      if (writes) ownWrites++;
      return bridge.query(stmt.text, params) as { rows: SqlRow[]; rowCount: number };
    };
    return {
      get: (...params) => query(params).rows[0],
      all: (...params) => query(params).rows,
      run: (...params) => ({ changes: query(params).rowCount, lastInsertRowid: 0 }),
    };
  };
  const db: PgDatabase = {
    bridge,
    prepare,
    exec,
    get isTransaction() {
      return inTransaction;
    },
    dataVersion: () => (inTransaction ? null : bridge.changes + ownWrites),
    get isOpen() {
      return bridge.isOpen;
    },
    close: () => bridge.close(),
  };
  try {
    // The version table is made under the write lock too, so two first starts cannot both create it.
    lockedScript(db, `CREATE TABLE IF NOT EXISTS ${SCHEMA_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
      INSERT INTO ${SCHEMA_TABLE} (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`);
    migrate(db);
    lockedScript(db, RATE_COUNTER_SCHEMA + CHANGE_TRIGGERS);
  } catch (err) {
    bridge.close();
    throw err;
  }
  return db;
}

function lockedScript(db: PgDatabase, sql: string): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    db.bridge.query(sql, [], { script: true });
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
