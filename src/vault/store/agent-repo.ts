import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { SqlDatabase } from './sql-database.js';
import { NanoclawError } from '../../common/errors.js';
import type { Agent } from '../model/records.js';
import { randomId, sha256Hex } from './crypto.js';
import { inTransaction, isUniqueViolation, statementCache } from './db.js';
import { AGENT_COLUMNS, SECRET_COLUMNS, egressColumns, nowIso, text, toAgent, toSecret } from './rows.js';
import type { AgentPatch, AgentStore, AgentWithToken, NewAgent } from './types.js';

/** A new agent token: `aoc_` + 64 hex characters (256 random bits). */
export function generateAgentToken(): string {
  return `aoc_${randomBytes(32).toString('hex')}`;
}

function conflict(identifier: string): NanoclawError {
  return new NanoclawError('conflict', `An agent with identifier "${identifier}" already exists`, {
    hint: 'Pick another --identifier, or look at the existing one with: ncl agents list',
  });
}

/** Agents, their token hashes and their grants. A token itself is never stored. */
export function createAgentRepo({ db }: { db: SqlDatabase }): AgentStore {
  const sql = statementCache(db);
  const get = (id: string): Agent | null => {
    const row = sql(`SELECT ${AGENT_COLUMNS} FROM agents WHERE id = ?`).get(id);
    return row ? toAgent(row) : null;
  };
  const getSecretIds = (id: string): string[] | null => {
    if (!get(id)) return null;
    return sql(
      `SELECT g.secret_id FROM agent_secrets g JOIN secrets s ON s.id = g.secret_id
       WHERE g.agent_id = ? ORDER BY s.rowid`,
    )
      .all(id)
      .map((row) => text(row, 'secret_id'));
  };

  return {
    list: () => sql(`SELECT ${AGENT_COLUMNS} FROM agents ORDER BY rowid`).all().map(toAgent),
    get,
    getByIdentifier(identifier) {
      const row = sql(`SELECT ${AGENT_COLUMNS} FROM agents WHERE identifier = ?`).get(identifier);
      return row ? toAgent(row) : null;
    },
    create(input: NewAgent): AgentWithToken {
      const id = randomId('agt');
      const token = generateAgentToken();
      try {
        sql(
          `INSERT INTO agents (id, name, identifier, token_hash, secret_mode, egress_policy, allow_hosts, created_at)
           VALUES (?, ?, ?, ?, ?, 'tunnel', '[]', ?)`,
        ).run(id, input.name, input.identifier, sha256Hex(token), input.secretMode ?? 'selective', nowIso());
      } catch (err) {
        throw isUniqueViolation(err) ? conflict(input.identifier) : err;
      }
      return { agent: get(id)!, token };
    },
    update(id: string, patch: AgentPatch) {
      return inTransaction(db, () => {
        const current = get(id);
        if (!current) return null;
        const egress = egressColumns(patch.egressPolicy ?? current.egressPolicy);
        sql('UPDATE agents SET name = ?, secret_mode = ?, egress_policy = ?, egress_mode = ?, allow_hosts = ? WHERE id = ?').run(
          patch.name ?? current.name,
          patch.secretMode ?? current.secretMode,
          egress.policy,
          egress.mode,
          JSON.stringify(patch.allowHosts ?? current.allowHosts),
          id,
        );
        return get(id);
      });
    },
    delete: (id) => Number(sql('DELETE FROM agents WHERE id = ?').run(id).changes) > 0,
    regenerateToken(id) {
      const token = generateAgentToken();
      const { changes } = sql('UPDATE agents SET token_hash = ? WHERE id = ?').run(sha256Hex(token), id);
      const agent = Number(changes) > 0 ? get(id) : null;
      return agent ? { agent, token } : null;
    },
    findByToken(token) {
      if (typeof token !== 'string' || token.length === 0) return null;
      const hash = Buffer.from(sha256Hex(token), 'hex');
      const row = sql(`SELECT ${AGENT_COLUMNS}, token_hash FROM agents WHERE token_hash = ?`).get(hash.toString('hex'));
      if (!row) return null;
      // The index lookup already matched; the constant-time compare keeps the final check honest.
      const stored = Buffer.from(text(row, 'token_hash'), 'hex');
      return stored.length === hash.length && timingSafeEqual(stored, hash) ? toAgent(row) : null;
    },
    getSecretIds,
    setSecretIds(id, secretIds) {
      return inTransaction(db, () => {
        if (!get(id)) return null;
        const wanted = [...new Set(secretIds)];
        const unknown = wanted.filter((sid) => !sql('SELECT 1 FROM secrets WHERE id = ?').get(sid));
        if (unknown.length > 0) {
          throw new NanoclawError('not_found', `No secret with id ${unknown.join(', ')}`, {
            hint: 'List secret ids with: ncl secrets list',
            details: { unknownSecretIds: unknown },
          });
        }
        sql('DELETE FROM agent_secrets WHERE agent_id = ?').run(id);
        const insert = sql('INSERT INTO agent_secrets (agent_id, secret_id) VALUES (?, ?)');
        for (const sid of wanted) insert.run(id, sid);
        return getSecretIds(id);
      });
    },
    grantedSecrets(id) {
      const agent = get(id);
      if (!agent) return [];
      if (agent.secretMode === 'all') return sql(`SELECT ${SECRET_COLUMNS} FROM secrets ORDER BY rowid`).all().map(toSecret);
      return sql(
        `SELECT ${SECRET_COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')}
         FROM secrets s JOIN agent_secrets g ON g.secret_id = s.id WHERE g.agent_id = ? ORDER BY s.rowid`,
      )
        .all(id)
        .map(toSecret);
    },
  };
}
