import { hkdfSync, randomBytes, scryptSync } from 'node:crypto';
import { z } from 'zod';
import { NanoclawError } from '../../common/errors.js';
import { ApproverSchema } from '../model/approvals.js';
import { PolicyRuleSchema } from '../model/policy-rule.js';
import { AgentSchema, AuditEntrySchema, SecretSchema } from '../model/records.js';
import { KEY_BYTES } from './crypto.js';

/** The backup file's outer shape. Everything but this header is inside the encrypted payload. */

export const BACKUP_FORMAT = 'nanoclaw-vault-backup';
export const BACKUP_VERSION = 1;

// scrypt cost: ~100 ms and 32 MiB here; bounded on read so a crafted file cannot demand hours or GiBs.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;
const MAX_SCRYPT_N = 2 ** 20;

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

export const ProtectionSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('passphrase'),
    kdf: z.literal('scrypt'),
    salt: b64,
    N: z.number().int().min(2 ** 14).max(MAX_SCRYPT_N).refine((n) => (n & (n - 1)) === 0, 'must be a power of 2'),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
  }),
  z.strictObject({ kind: z.literal('master-key'), kdf: z.literal('hkdf-sha256'), salt: b64 }),
]);
export type Protection = z.infer<typeof ProtectionSchema>;

export const CountsSchema = z.strictObject({
  secrets: z.number().int().min(0),
  agents: z.number().int().min(0),
  grants: z.number().int().min(0),
  settings: z.number().int().min(0),
  audit: z.number().int().min(0).nullable(),
});

export const BackupDocumentSchema = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  version: z.number().int().min(1),
  createdAt: z.string(),
  counts: CountsSchema,
  protection: ProtectionSchema,
  check: b64,
  payload: b64,
});
export type BackupDocument = z.infer<typeof BackupDocumentSchema>;

/** The decrypted payload: a VaultSnapshot, checked again on the way in. */
export const SnapshotSchema = z.strictObject({
  secrets: z.array(SecretSchema.extend({ value: z.string().min(1) })),
  agents: z.array(AgentSchema.extend({ tokenHash: z.string().regex(/^[0-9a-f]{64}$/) })),
  grants: z.array(z.strictObject({ agentId: z.string(), secretId: z.string() })),
  settings: z.array(z.strictObject({ key: z.string(), value: z.string() })),
  ca: z.strictObject({ certPem: z.string(), keyPem: z.string() }).nullable(),
  rules: z.array(PolicyRuleSchema).optional(),
  approvers: z.array(ApproverSchema).optional(),
  audit: z.array(AuditEntrySchema).optional(),
});

/** Either a passphrase (portable) or a master key (restorable only where that key is). */
export type BackupKey = { passphrase: string } | { masterKey: Buffer };

/** Fresh protection parameters for a new backup. */
export function newProtection(key: BackupKey): Protection {
  const salt = randomBytes(16).toString('base64');
  return 'passphrase' in key ? { kind: 'passphrase', kdf: 'scrypt', salt, ...SCRYPT } : { kind: 'master-key', kdf: 'hkdf-sha256', salt };
}

/** The 32-byte key that seals a backup, from the user's key and the file's parameters. */
export function deriveBackupKey(key: BackupKey, protection: Protection): Buffer {
  const salt = Buffer.from(protection.salt, 'base64');
  if (protection.kind === 'passphrase') {
    if (!('passphrase' in key)) throw keyMismatch('a passphrase', '--passphrase-stdin or NANOCLAW_BACKUP_PASSPHRASE');
    if (key.passphrase.length === 0) throw new NanoclawError('wrong_passphrase', 'The backup passphrase is empty');
    const { N, r, p } = protection;
    return scryptSync(key.passphrase.normalize('NFC'), salt, KEY_BYTES, { N, r, p, maxmem: 256 * N * r });
  }
  if (!('masterKey' in key)) throw keyMismatch('the master key', '--master-key');
  return Buffer.from(hkdfSync('sha256', key.masterKey, salt, 'nanoclaw vault backup v1', KEY_BYTES));
}

function keyMismatch(what: string, flag: string): NanoclawError {
  return new NanoclawError('backup_key_mismatch', `This backup is protected with ${what}`, {
    hint: `Restore it with ${flag}`,
  });
}
