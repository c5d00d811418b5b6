import { NanoclawError } from '../../common/errors.js';
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  BackupDocumentSchema,
  SnapshotSchema,
  deriveBackupKey,
  newProtection,
  type BackupDocument,
  type BackupKey,
} from './backup-format.js';
import { openRecord, sealRecord, type RecordRef } from './crypto.js';
import type { VaultSnapshot, VaultStore } from './types.js';

export type { BackupDocument, BackupKey } from './backup-format.js';

export interface BackupOptions {
  /** Also carry the audit log (it can be large); default false. */
  includeAudit?: boolean;
  now?: Date;
}

export interface RestoreSummary {
  createdAt: string;
  secrets: number;
  agents: number;
  grants: number;
  settings: number;
  audit: number | null;
}

const CHECK_CONSTANT = 'nanoclaw backup key check v1';

type Header = Omit<BackupDocument, 'check' | 'payload'>;

// The header is bound into both ciphertexts, so editing the counts, date or KDF cost breaks them.
function checkRef(header: Header): RecordRef {
  return { id: 'backup-check', name: JSON.stringify([header.format, header.version, header.createdAt, header.protection]) };
}
function payloadRef(header: Header): RecordRef {
  return { id: 'backup-payload', name: JSON.stringify([header.format, header.version, header.createdAt, header.counts, header.protection]) };
}

/**
 * The whole vault as one JSON document whose only readable parts are a header (format, date,
 * counts, KDF parameters); every value, name and token hash is inside an AES-256-GCM payload
 * sealed under a key from the passphrase (scrypt) or the master key (HKDF).
 */
export function exportBackup(store: VaultStore, key: BackupKey, options: BackupOptions = {}): BackupDocument {
  const snapshot = store.snapshot.export({ includeAudit: options.includeAudit ?? false });
  const header: Header = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: (options.now ?? new Date()).toISOString(),
    counts: {
      secrets: snapshot.secrets.length,
      agents: snapshot.agents.length,
      grants: snapshot.grants.length,
      settings: snapshot.settings.length,
      audit: snapshot.audit?.length ?? null,
    },
    protection: newProtection(key),
  };
  const sealKey = deriveBackupKey(key, header.protection);
  const check = sealRecord({ key: sealKey, ...checkRef(header), plaintext: CHECK_CONSTANT });
  const payload = sealRecord({ key: sealKey, ...payloadRef(header), plaintext: JSON.stringify(snapshot) });
  return { ...header, check: check.toString('base64'), payload: payload.toString('base64') };
}

/**
 * Replaces the store's contents with a backup, in one transaction; values are sealed again
 * under the store's own master key. Throws `wrong_passphrase` / `wrong_master_key` for a wrong
 * key and `backup_tampered` for an altered file, before anything in the store changes.
 */
export function restoreBackup(store: VaultStore, doc: unknown, key: BackupKey): RestoreSummary {
  const parsed = BackupDocumentSchema.safeParse(doc);
  if (!parsed.success) {
    const version = (doc as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && version > BACKUP_VERSION) throw tooNew(version);
    throw new NanoclawError('backup_invalid', `Not a nanoclaw vault backup: ${parsed.error.issues[0]?.path.join('.') || 'document'} ${parsed.error.issues[0]?.message ?? ''}`.trim(), {
      hint: 'Give a file written by: ncl vault backup FILE',
    });
  }
  const { check, payload, ...header } = parsed.data;
  if (header.version > BACKUP_VERSION) throw tooNew(header.version);
  const sealKey = deriveBackupKey(key, header.protection);
  try {
    openRecord({ key: sealKey, ...checkRef(header), blob: Buffer.from(check, 'base64') });
  } catch {
    throw header.protection.kind === 'passphrase'
      ? new NanoclawError('wrong_passphrase', 'The passphrase does not open this backup', {
          hint: 'Type the passphrase used with `ncl vault backup` (it is case- and space-sensitive)',
        })
      : new NanoclawError('wrong_master_key', 'The master key here is not the one this backup was made with', {
          hint: 'Restore on the machine whose key made it, or make a passphrase backup there: ncl vault backup FILE',
        });
  }
  const snapshot = openPayload(header, payload, sealKey);
  try {
    store.snapshot.import(snapshot);
  } catch (err) {
    if (err instanceof NanoclawError) throw err;
    throw new NanoclawError('backup_invalid', 'The backup does not fit together (a grant names a missing agent or secret)', {
      hint: 'Use another copy of the backup; nothing in the vault was changed',
    });
  }
  return { createdAt: header.createdAt, ...header.counts };
}

// No `cause` on these errors: a parse error's message can quote the decrypted text.
function openPayload(header: Header, payload: string, sealKey: Buffer): VaultSnapshot {
  let text: string;
  try {
    text = openRecord({ key: sealKey, ...payloadRef(header), blob: Buffer.from(payload, 'base64') }).toString('utf8');
  } catch {
    throw new NanoclawError('backup_tampered', 'The backup opened with the right key but its contents fail their integrity check', {
      hint: 'The file was altered or truncated; use another copy of the backup',
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const parsed = SnapshotSchema.safeParse(body);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || 'payload';
    throw new NanoclawError('backup_invalid', `The backup payload is not a vault snapshot (at ${where})`, {
      hint: 'Use another copy of the backup; nothing in the vault was changed',
    });
  }
  return parsed.data as VaultSnapshot;
}

function tooNew(version: number): NanoclawError {
  return new NanoclawError('backup_unsupported', `This backup has format version ${version}; this nanoclaw reads up to ${BACKUP_VERSION}`, {
    hint: 'Upgrade nanoclaw (npm install -g nanoclaw@latest) and restore again',
  });
}
