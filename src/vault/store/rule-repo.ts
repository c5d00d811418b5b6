import type { SqlDatabase } from './sql-database.js';
import { PolicyRuleSchema, type PolicyRule } from '../model/policy-rule.js';
import { randomId } from './crypto.js';
import { statementCache } from './db.js';
import { nowIso, numOrNull, text, textOrNull, type Row } from './rows.js';
import type { NewPolicyRule, RuleStore } from './types.js';

export const RULE_COLUMNS = 'id, action, host_pattern, path_pattern, method, agent_id, secret_id, limit_count, rate_window';

/** A stored row back to a rule; optional fields are left out rather than set to undefined. */
export function toRule(row: Row): PolicyRule {
  const optional = {
    pathPattern: textOrNull(row, 'path_pattern'),
    method: textOrNull(row, 'method'),
    agentId: textOrNull(row, 'agent_id'),
    secretId: textOrNull(row, 'secret_id'),
    limit: numOrNull(row, 'limit_count'),
    window: textOrNull(row, 'rate_window') as PolicyRule['window'] | null,
  };
  const rule: PolicyRule = { id: text(row, 'id'), action: text(row, 'action') as PolicyRule['action'], hostPattern: text(row, 'host_pattern') };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== null) Object.assign(rule, { [key]: value });
  }
  return rule;
}

/** The INSERT shared by create and the snapshot import. */
export function insertRule(db: SqlDatabase, rule: PolicyRule, createdAt = nowIso()): void {
  db.prepare(
    `INSERT INTO policy_rules (${RULE_COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    rule.id,
    rule.action,
    rule.hostPattern,
    rule.pathPattern ?? null,
    rule.method ?? null,
    rule.agentId ?? null,
    rule.secretId ?? null,
    rule.limit ?? null,
    rule.window ?? null,
    createdAt,
  );
}

/**
 * Policy rules. The gateway lists them on every request, so `list()` serves a cached copy that
 * is dropped on this connection's writes and whenever SQLite's data_version says another
 * connection (a restore, a second process) committed.
 */
export function createRuleRepo({ db }: { db: SqlDatabase }): RuleStore & { invalidate(): void } {
  const sql = statementCache(db);
  let cached: { rules: PolicyRule[]; dataVersion: number } | null = null;
  const dataVersion = () => Number(sql('PRAGMA data_version').get()!.data_version);
  const get = (id: string): PolicyRule | null => {
    const row = sql(`SELECT ${RULE_COLUMNS} FROM policy_rules WHERE id = ?`).get(id);
    return row ? toRule(row) : null;
  };
  return {
    list() {
      const version = dataVersion();
      if (cached?.dataVersion !== version) {
        const rules = sql(`SELECT ${RULE_COLUMNS} FROM policy_rules ORDER BY rowid`).all().map(toRule);
        cached = { rules: Object.freeze(rules) as PolicyRule[], dataVersion: version };
      }
      return cached.rules;
    },
    get,
    create(input: NewPolicyRule) {
      const rule = PolicyRuleSchema.parse({ ...input, id: randomId('rule') });
      insertRule(db, rule);
      cached = null;
      return get(rule.id)!;
    },
    delete(id) {
      const deleted = Number(sql('DELETE FROM policy_rules WHERE id = ?').run(id).changes) > 0;
      cached = null;
      return deleted;
    },
    invalidate() {
      cached = null;
    },
  };
}
