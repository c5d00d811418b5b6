import type { Redactor } from '../../common/redact.js';
import { createAgentRepo } from './agent-repo.js';
import { createApprovalGrantRepo } from './approval-grant-repo.js';
import { createApprovalRepo } from './approval-repo.js';
import { createApproverRepo } from './approver-repo.js';
import { chainKey } from './audit-chain.js';
import { createAuditRepo } from './audit-repo.js';
import { AuditWriter, writtenBy } from './audit-writer.js';
import { openRecord, sealRecord, type RecordRef } from './crypto.js';
import { inTransaction, openDatabase, statementCache } from './db.js';
import { verifyKeyCheck } from './key-check.js';
import { migrate } from './migrations.js';
import { redactUrl } from './pg-bridge.js';
import { pgAuditAppend } from './pg-audit-append.js';
import { openPgDatabase } from './pg-database.js';
import { pgRateCounter } from './pg-rate-counter.js';
import { blob, nowIso, text } from './rows.js';
import { createRuleRepo } from './rule-repo.js';
import { createSecretRepo } from './secret-repo.js';
import { withReadCache } from './read-cache.js';
import { createSnapshotRepo } from './snapshot-repo.js';
import type { SqlDatabase } from './sql-database.js';
import type { CaMaterial, VaultStore } from './types.js';

export interface OpenStoreOptions {
  /** The SQLite file; created with its directory when missing. Unused when `databaseUrl` is given. */
  path: string;
  /** `postgres://…` (NANOCLAW_DATABASE_URL): the store lives in Postgres instead of the SQLite file. */
  databaseUrl?: string | undefined;
  /** 32 bytes; see resolveMasterKey(). */
  masterKey: Buffer;
  /** Every value the store decrypts is registered here before it is returned. */
  redactor: Redactor;
  /** Told when a write sent without waiting (an audit batch) failed; never given a value. Default: a line on stderr. */
  onBackgroundError?: (message: string) => void;
}

const CA_REF: RecordRef = { id: 'ca', name: 'vault CA private key' };

/**
 * Opens the vault store: migrates the schema and refuses a master key that is not the vault's
 * (`wrong_master_key`). Synchronous, like node:sqlite; close it when done.
 */
export function openStore(options: OpenStoreOptions): VaultStore {
  const masterKey = Buffer.from(options.masterKey);
  if (options.databaseUrl) {
    const path = redactUrl(options.databaseUrl);
    // Migrated by openPgDatabase, under the lock every replica takes.
    const db = openPgDatabase({ url: options.databaseUrl });
    // Each read is a round trip to Postgres: the gateway's per-connection reads come from memory.
    const store = withReadCache(checked(db, { ...options, path, masterKey }), db.dataVersion);
    db.bridge.onLateErrors = (messages) => {
      for (const message of messages) reportBackground(options, message);
    };
    return {
      ...store,
      // Audit batches go without waiting: the gateway's thread does not sit out their round trips.
      audit: { ...store.audit, appendMany: pgAuditAppend({ bridge: db.bridge, chainKey: chainKey(masterKey) }) },
      subscribeChanges: (listener) => db.bridge.subscribe(listener),
      rateLimits: pgRateCounter(db.bridge),
    };
  }
  const db = openDatabase(options.path);
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  // Audit batches go to a thread of their own: the gateway's thread does not stop for them.
  const writer = new AuditWriter({ path: options.path, chainKey: chainKey(masterKey), onError: (message) => reportBackground(options, message) });
  return checked(db, { ...options, masterKey }, writer);
}

function reportBackground(options: OpenStoreOptions, message: string): void {
  if (options.onBackgroundError) options.onBackgroundError(message);
  else process.stderr.write(`nanoclaw: ${message}\n`);
}

function checked(db: SqlDatabase, options: OpenStoreOptions, writer?: AuditWriter): VaultStore {
  try {
    verifyKeyCheck(db, options.masterKey, options.path);
  } catch (err) {
    db.close();
    throw err;
  }
  return assemble(db, options, writer);
}

function assemble(db: SqlDatabase, { path, databaseUrl, masterKey, redactor }: OpenStoreOptions, writer?: AuditWriter): VaultStore {
  const sql = statementCache(db);
  const getCa = (): CaMaterial | null => {
    const row = sql('SELECT cert_pem, key_enc FROM ca WHERE id = 1').get();
    if (!row) return null;
    const keyPem = openRecord({ key: masterKey, ...CA_REF, blob: blob(row, 'key_enc'), label: 'the vault CA key' }).toString('utf8');
    redactor.add(keyPem);
    return { certPem: text(row, 'cert_pem'), keyPem };
  };
  const setCa = (ca: CaMaterial): void => {
    const keyEnc = sealRecord({ key: masterKey, ...CA_REF, plaintext: ca.keyPem });
    sql(
      `INSERT INTO ca (id, cert_pem, key_enc, updated_at) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET cert_pem = excluded.cert_pem, key_enc = excluded.key_enc, updated_at = excluded.updated_at`,
    ).run(ca.certPem, keyEnc, nowIso());
  };
  const repo = createAuditRepo({ db, chainKey: chainKey(masterKey) });
  const audit = writer ? writtenBy(repo, writer, db) : repo;
  const rules = createRuleRepo({ db });
  return {
    kind: databaseUrl ? 'postgres' : 'sqlite',
    path,
    secrets: createSecretRepo({ db, masterKey, redactor }),
    agents: createAgentRepo({ db }),
    audit,
    rules,
    approvals: createApprovalRepo({ db }),
    approvalGrants: createApprovalGrantRepo({ db }),
    approvers: createApproverRepo({ db }),
    getCa,
    setCa,
    // Inside one write transaction: a second replica waits on the lock, then finds the first one's CA.
    ensureCa: (make) => inTransaction(db, () => getCa() ?? (setCa(make()), getCa()!)),
    getSetting(key) {
      const row = sql('SELECT value FROM settings WHERE key = ?').get(key);
      return row ? text(row, 'value') : null;
    },
    addSetting(key, value) {
      return Number(sql('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(key, value).changes) > 0;
    },
    setSetting(key, value) {
      sql('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
    },
    snapshot: createSnapshotRepo({ db, masterKey, redactor, audit, getCa, setCa, onImported: rules.invalidate }),
    close() {
      writer?.close();
      if (db.isOpen) db.close();
    },
  };
}
