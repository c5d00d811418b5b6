import type { SqlDatabase } from './sql-database.js';
import { NanoclawError } from '../../common/errors.js';
import type { Redactor } from '../../common/redact.js';
import type { Secret } from '../model/records.js';
import { openRecord, randomId, sealRecord } from './crypto.js';
import { inTransaction, isUniqueViolation, statementCache } from './db.js';
import { SECRET_COLUMNS, blob, nowIso, text, toSecret, type Row } from './rows.js';
import type { NewSecret, SecretPatch, SecretStore } from './types.js';

export interface SecretRepoOptions {
  db: SqlDatabase;
  masterKey: Buffer;
  redactor: Redactor;
}

function conflict(name: string): NanoclawError {
  return new NanoclawError('conflict', `A secret named "${name}" already exists`, {
    hint: 'Pick another --name, or change the existing one with: ncl secrets update --id <id>',
  });
}

const label = (id: string, name: string) => `secret "${name}" (${id})`;

/** Secrets with their values sealed under the master key, bound to id and name. */
export function createSecretRepo({ db, masterKey, redactor }: SecretRepoOptions): SecretStore {
  const sql = statementCache(db);
  const seal = (id: string, name: string, value: string) => sealRecord({ key: masterKey, id, name, plaintext: value });
  const unseal = (row: Row): string => {
    const id = text(row, 'id');
    const name = text(row, 'name');
    return openRecord({ key: masterKey, id, name, blob: blob(row, 'value_enc'), label: label(id, name) }).toString('utf8');
  };
  const get = (id: string): Secret | null => {
    const row = sql(`SELECT ${SECRET_COLUMNS} FROM secrets WHERE id = ?`).get(id);
    return row ? toSecret(row) : null;
  };

  return {
    list: () => sql(`SELECT ${SECRET_COLUMNS} FROM secrets ORDER BY rowid`).all().map(toSecret),
    get,
    getByName(name) {
      const row = sql(`SELECT ${SECRET_COLUMNS} FROM secrets WHERE name = ?`).get(name);
      return row ? toSecret(row) : null;
    },
    create(input: NewSecret) {
      const id = randomId('sec');
      const now = nowIso();
      try {
        sql(
          `INSERT INTO secrets (id, name, type, host_pattern, path_pattern, injection_config, value_enc, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          id,
          input.name,
          input.type,
          input.hostPattern,
          input.pathPattern ?? null,
          input.injectionConfig ? JSON.stringify(input.injectionConfig) : null,
          seal(id, input.name, input.value),
          now,
          now,
        );
      } catch (err) {
        throw isUniqueViolation(err) ? conflict(input.name) : err;
      }
      return get(id)!;
    },
    update(id: string, patch: SecretPatch) {
      return inTransaction(db, () => {
        const row = sql('SELECT id, name, value_enc FROM secrets WHERE id = ?').get(id);
        const current = row ? get(id) : null;
        if (!row || !current) return null;
        const name = patch.name ?? current.name;
        // A rename changes the AAD, so the old value is opened and sealed again under the new name.
        const value = patch.value ?? (name !== current.name ? unseal(row) : null);
        const valueEnc = value === null ? blob(row, 'value_enc') : seal(id, name, value);
        const config = patch.injectionConfig === undefined ? current.injectionConfig : patch.injectionConfig;
        try {
          sql(
            `UPDATE secrets SET name = ?, type = ?, host_pattern = ?, path_pattern = ?, injection_config = ?,
               value_enc = ?, updated_at = ? WHERE id = ?`,
          ).run(
            name,
            patch.type ?? current.type,
            patch.hostPattern ?? current.hostPattern,
            patch.pathPattern === undefined ? current.pathPattern : patch.pathPattern,
            config ? JSON.stringify(config) : null,
            valueEnc,
            nowIso(),
            id,
          );
        } catch (err) {
          throw isUniqueViolation(err) ? conflict(name) : err;
        }
        return get(id);
      });
    },
    delete: (id) => Number(sql('DELETE FROM secrets WHERE id = ?').run(id).changes) > 0,
    reveal(id) {
      const row = sql('SELECT id, name, value_enc FROM secrets WHERE id = ?').get(id);
      if (!row) return null;
      const value = unseal(row);
      redactor.add(value);
      return value;
    },
    markUsed(id, at = new Date()) {
      sql('UPDATE secrets SET last_used_at = ? WHERE id = ?').run(nowIso(at), id);
    },
  };
}
