import type { SqlDatabase } from './sql-database.js';
import type { Redactor } from '../../common/redact.js';
import type { AuditStore, CaMaterial, SnapshotStore, VaultSnapshot } from './types.js';
import { openRecord, sealRecord } from './crypto.js';
import { inTransaction } from './db.js';
import { APPROVER_COLUMNS, insertApprover, toApprover } from './approver-repo.js';
import { AGENT_COLUMNS, SECRET_COLUMNS, blob, egressColumns, text, toAgent, toSecret } from './rows.js';
import { RULE_COLUMNS, insertRule, toRule } from './rule-repo.js';

export interface SnapshotRepoOptions {
  db: SqlDatabase;
  masterKey: Buffer;
  redactor: Redactor;
  audit: AuditStore;
  getCa(): CaMaterial | null;
  setCa(ca: CaMaterial): void;
  /** Called after an import commits (the rule cache cannot see its own connection's writes). */
  onImported?: () => void;
}

/** Whole-vault export (values decrypted, in memory only) and transactional replace. */
export function createSnapshotRepo(options: SnapshotRepoOptions): SnapshotStore {
  const { db, masterKey, redactor } = options;

  function exportAll({ includeAudit = false } = {}): VaultSnapshot {
    options.audit.settle();
    return inTransaction(db, () => {
      const secrets = db
        .prepare(`SELECT ${SECRET_COLUMNS}, value_enc FROM secrets ORDER BY rowid`)
        .all()
        .map((row) => {
          const secret = toSecret(row);
          const label = `secret "${secret.name}" (${secret.id})`;
          const value = openRecord({ key: masterKey, ...secret, blob: blob(row, 'value_enc'), label }).toString('utf8');
          redactor.add(value);
          return { ...secret, value };
        });
      const agents = db
        .prepare(`SELECT ${AGENT_COLUMNS}, token_hash FROM agents ORDER BY rowid`)
        .all()
        .map((row) => ({ ...toAgent(row), tokenHash: text(row, 'token_hash') }));
      const grants = db
        .prepare('SELECT agent_id, secret_id FROM agent_secrets ORDER BY agent_id, secret_id')
        .all()
        .map((row) => ({ agentId: text(row, 'agent_id'), secretId: text(row, 'secret_id') }));
      const settings = db
        .prepare('SELECT key, value FROM settings ORDER BY key')
        .all()
        .map((row) => ({ key: text(row, 'key'), value: text(row, 'value') }));
      const rules = db.prepare(`SELECT ${RULE_COLUMNS} FROM policy_rules ORDER BY rowid`).all().map(toRule);
      const approvers = db.prepare(`SELECT ${APPROVER_COLUMNS} FROM approvers ORDER BY rowid`).all().map(toApprover);
      // Approvals and approval grants are short-lived and tied to live requests: not carried.
      const snapshot: VaultSnapshot = { secrets, agents, grants, settings, ca: options.getCa(), rules, approvers };
      if (includeAudit) snapshot.audit = allAudit(options.audit);
      return snapshot;
    });
  }

  function importAll(snapshot: VaultSnapshot): void {
    options.audit.settle();
    inTransaction(db, () => {
      // Children first: grants and approvals would cascade anyway, but explicit is cheaper to read.
      const tables = ['agent_secrets', 'approval_grants', 'approvals', 'approvers', 'policy_rules', 'agents', 'secrets', 'settings', 'ca'];
      for (const table of tables) {
        db.exec(`DELETE FROM ${table}`);
      }
      const insertSecret = db.prepare(
        `INSERT INTO secrets (id, name, type, host_pattern, path_pattern, injection_config, value_enc, created_at, updated_at, last_used_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const s of snapshot.secrets) {
        const valueEnc = sealRecord({ key: masterKey, id: s.id, name: s.name, plaintext: s.value });
        const config = s.injectionConfig ? JSON.stringify(s.injectionConfig) : null;
        insertSecret.run(s.id, s.name, s.type, s.hostPattern, s.pathPattern, config, valueEnc, s.createdAt, s.updatedAt, s.lastUsedAt);
      }
      const insertAgent = db.prepare(
        `INSERT INTO agents (id, name, identifier, token_hash, secret_mode, egress_policy, egress_mode, allow_hosts, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const a of snapshot.agents) {
        const egress = egressColumns(a.egressPolicy);
        insertAgent.run(a.id, a.name, a.identifier, a.tokenHash, a.secretMode, egress.policy, egress.mode, JSON.stringify(a.allowHosts), a.createdAt);
      }
      const insertGrant = db.prepare('INSERT INTO agent_secrets (agent_id, secret_id) VALUES (?, ?)');
      for (const g of snapshot.grants) insertGrant.run(g.agentId, g.secretId);
      const insertSetting = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)');
      for (const { key, value } of snapshot.settings) insertSetting.run(key, value);
      if (snapshot.ca) options.setCa(snapshot.ca);
      for (const rule of snapshot.rules ?? []) insertRule(db, rule);
      for (const approver of snapshot.approvers ?? []) insertApprover(db, approver);
      if (snapshot.audit) options.audit.replaceAll(snapshot.audit);
    });
    options.onImported?.();
  }

  return { export: exportAll, import: importAll };
}

function allAudit(audit: AuditStore) {
  const first = audit.list({ limit: 1000, offset: 0 });
  const entries = [...first.data];
  while (entries.length < first.total) {
    const page = audit.list({ limit: 1000, offset: entries.length });
    if (page.data.length === 0) break;
    entries.push(...page.data);
  }
  return entries.reverse(); // oldest first, so a restore keeps ids in time order
}
