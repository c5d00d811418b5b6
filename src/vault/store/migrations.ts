import type { SqlDatabase } from './sql-database.js';
import { NanoclawError } from '../../common/errors.js';
import { inTransaction } from './db.js';

/** One numbered schema step. Steps are append-only: a released step is never edited. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE key_check (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        blob BLOB NOT NULL
      );
      CREATE TABLE secrets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        host_pattern TEXT NOT NULL,
        path_pattern TEXT,
        injection_config TEXT,
        value_enc BLOB NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        last_used_at TEXT
      );
      CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        identifier TEXT NOT NULL UNIQUE,
        token_hash TEXT NOT NULL UNIQUE,
        secret_mode TEXT NOT NULL CHECK (secret_mode IN ('all', 'selective')),
        egress_policy TEXT NOT NULL DEFAULT 'tunnel' CHECK (egress_policy IN ('tunnel', 'allowlist')),
        allow_hosts TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL
      );
      CREATE TABLE agent_secrets (
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        secret_id TEXT NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
        PRIMARY KEY (agent_id, secret_id)
      ) WITHOUT ROWID;
      CREATE INDEX agent_secrets_by_secret ON agent_secrets(secret_id);
      CREATE TABLE approvals (
        id TEXT PRIMARY KEY,
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        secret_id TEXT REFERENCES secrets(id) ON DELETE SET NULL,
        method TEXT NOT NULL,
        host TEXT NOT NULL,
        path TEXT NOT NULL,
        body_digest TEXT,
        body_preview TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
        reason TEXT,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        decided_at TEXT
      );
      CREATE INDEX approvals_by_status ON approvals(status, expires_at);
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        agent_id TEXT,
        agent_identifier TEXT,
        method TEXT NOT NULL,
        host TEXT NOT NULL,
        path TEXT NOT NULL,
        secret_name TEXT,
        decision TEXT NOT NULL,
        status INTEGER,
        bytes_in INTEGER NOT NULL,
        bytes_out INTEGER NOT NULL,
        duration_ms REAL NOT NULL,
        reason TEXT
      );
      CREATE INDEX audit_by_time ON audit(time, id);
      CREATE INDEX audit_by_host ON audit(host, time);
      CREATE TABLE ca (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        cert_pem TEXT NOT NULL,
        key_enc BLOB NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'approvals, approval grants, approvers, policy rules',
    // `approvals` is rebuilt (SQLite cannot change a CHECK in place); nothing references it yet.
    sql: `
      CREATE TABLE approvals_v2 (
        id TEXT PRIMARY KEY,
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        agent_identifier TEXT NOT NULL,
        secret_id TEXT REFERENCES secrets(id) ON DELETE SET NULL,
        secret_name TEXT,
        rule_id TEXT,
        method TEXT NOT NULL,
        host TEXT NOT NULL,
        path TEXT NOT NULL,
        headers TEXT NOT NULL DEFAULT '{}',
        body_preview TEXT NOT NULL DEFAULT '',
        body_digest TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
        reason TEXT,
        routed_to TEXT,
        decided_by TEXT,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        decided_at TEXT
      );
      INSERT INTO approvals_v2 (id, agent_id, agent_identifier, secret_id, secret_name, method, host, path,
          body_preview, body_digest, status, reason, created_at, expires_at, decided_at)
        SELECT a.id, a.agent_id, COALESCE(g.identifier, ''), a.secret_id, s.name, a.method, a.host, a.path,
          COALESCE(a.body_preview, ''), COALESCE(a.body_digest, ''), a.status, a.reason, a.created_at, a.expires_at, a.decided_at
        FROM approvals a LEFT JOIN agents g ON g.id = a.agent_id LEFT JOIN secrets s ON s.id = a.secret_id;
      DROP TABLE approvals;
      ALTER TABLE approvals_v2 RENAME TO approvals;
      CREATE INDEX approvals_by_status ON approvals(status, expires_at);
      CREATE INDEX approvals_by_created ON approvals(created_at, id);
      CREATE TABLE approval_grants (
        id TEXT PRIMARY KEY,
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        secret_id TEXT REFERENCES secrets(id) ON DELETE CASCADE,
        method TEXT NOT NULL,
        host TEXT NOT NULL,
        path_prefix TEXT NOT NULL,
        approval_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      );
      CREATE INDEX approval_grants_by_agent ON approval_grants(agent_id, expires_at);
      CREATE TABLE approvers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('group_admin', 'global_admin', 'owner')),
        agent_ids TEXT NOT NULL DEFAULT '[]',
        channel TEXT NOT NULL CHECK (channel IN ('telegram', 'host', 'dashboard')),
        address TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
      );
      CREATE TABLE policy_rules (
        id TEXT PRIMARY KEY,
        action TEXT NOT NULL CHECK (action IN ('block', 'rate_limit', 'manual_approval')),
        host_pattern TEXT NOT NULL,
        path_pattern TEXT,
        method TEXT,
        agent_id TEXT,
        secret_id TEXT,
        limit_count INTEGER,
        rate_window TEXT CHECK (rate_window IN ('minute', 'hour', 'day')),
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'audit hash chain and pruning boundary',
    // Rows already there stay unchained (legacy_through_id); the chain starts after them.
    sql: `
      ALTER TABLE audit ADD COLUMN prev_hash TEXT;
      ALTER TABLE audit ADD COLUMN hash TEXT;
      CREATE TABLE audit_chain (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        legacy_through_id INTEGER NOT NULL,
        pruned_through_id INTEGER,
        pruned_through_hash TEXT,
        pruned_at TEXT
      );
      INSERT INTO audit_chain (id, legacy_through_id) SELECT 1, COALESCE(MAX(id), 0) FROM audit;
    `,
  },
  {
    version: 4,
    name: 'approvals: how much of the body the approver saw',
    // Rows from before keep body_unseen NULL ("unknown"): their cards never said.
    sql: `
      ALTER TABLE approvals ADD COLUMN body_seen INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE approvals ADD COLUMN body_unseen INTEGER;
    `,
  },
  {
    version: 5,
    name: 'egress mode "ask" and approvals of a new host',
    // agents.egress_policy keeps its CHECK: rebuilding agents would cascade-delete every grant and
    // approval referencing it (foreign keys are on inside the migration's transaction). A mode the
    // CHECK does not know lives in egress_mode, with egress_policy set to the nearest old one
    // ('allowlist' for 'ask': unlisted hosts refused). Plain ADD COLUMNs, as Postgres runs them too.
    sql: `
      ALTER TABLE agents ADD COLUMN egress_mode TEXT;
      ALTER TABLE approvals ADD COLUMN kind TEXT NOT NULL DEFAULT 'request';
    `,
  },
];

function userVersion(db: SqlDatabase): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number } | undefined;
  return row?.user_version ?? 0;
}

/**
 * Brings the schema up to the last step, all pending steps in one transaction, so a failed step
 * leaves the file as it was. Two processes opening a new file at once apply each step once.
 */
export function migrate(db: SqlDatabase, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  const latest = migrations.at(-1)?.version ?? 0;
  return inTransaction(db, () => {
    const from = userVersion(db);
    if (from > latest) {
      throw new NanoclawError('store_too_new', `The vault database has schema version ${from}; this nanoclaw knows up to ${latest}`, {
        hint: 'Upgrade nanoclaw (npm install -g nanoclaw@latest), or restore a backup made by this version',
      });
    }
    for (const step of migrations) {
      if (step.version <= from) continue;
      db.exec(step.sql);
      db.exec(`PRAGMA user_version = ${step.version}`);
    }
    return { from, to: Math.max(from, latest) };
  });
}
