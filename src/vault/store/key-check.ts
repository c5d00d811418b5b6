import type { SqlDatabase } from './sql-database.js';
import { NanoclawError } from '../../common/errors.js';
import { openRecord, sealRecord, type RecordRef } from './crypto.js';
import { inTransaction } from './db.js';
import { blob } from './rows.js';

const REF: RecordRef = { id: 'key_check', name: 'master key' };
const CONSTANT = 'nanoclaw vault key check v1';

/**
 * Proves the master key is the one the vault was made with: the first open seals a known
 * constant, every later open must open it. A wrong key is refused before any value is read.
 */
export function verifyKeyCheck(db: SqlDatabase, masterKey: Buffer, path: string): void {
  inTransaction(db, () => {
    const row = db.prepare('SELECT blob FROM key_check WHERE id = 1').get();
    if (!row) {
      db.prepare('INSERT INTO key_check (id, blob) VALUES (1, ?)').run(sealRecord({ key: masterKey, ...REF, plaintext: CONSTANT }));
      return;
    }
    let opened: string | null = null;
    try {
      opened = openRecord({ key: masterKey, ...REF, blob: blob(row, 'blob') }).toString('utf8');
    } catch {
      /* reported below */
    }
    if (opened !== CONSTANT) {
      throw new NanoclawError('wrong_master_key', `The master key does not open the vault at ${path}: it was created with another key`, {
        hint:
          'Restore the right key (the OS keyring entry "nanoclaw", the master.key file or NANOCLAW_VAULT_KEY_FILE), ' +
          'or restore a backup into a new data dir: ncl vault restore FILE --data-dir DIR',
      });
    }
  });
}
