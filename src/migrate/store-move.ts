import { NanoclawError } from '../common/errors.js';
import { exportBackup, restoreBackup, type BackupDocument } from '../vault/store/backup.js';
import type { VaultSnapshot, VaultStore } from '../vault/store/types.js';
import type { Checkpoint } from './crash-hook.js';
import { compareSnapshots, isEmptySnapshot, snapshotCounts, type StoreCounts } from './store-compare.js';

export interface MoveStoreOptions {
  /** The vault as it is (the SQLite store); only read. */
  source: VaultStore;
  masterKey: Buffer;
  /** Where the copy goes, for messages (a URL without its password). */
  targetName: string;
  /** Opens the target store; called once to copy and once more, on a new connection, to verify. */
  openTarget(): VaultStore;
  /** Keeps the backup durably (0600) before the target is touched. */
  writeBackup(doc: BackupDocument): Promise<void>;
  progress(line: string): void;
  checkpoint?: Checkpoint;
}

export interface MoveStoreResult {
  counts: StoreCounts;
  /** True when an earlier run had already copied everything (it stopped before it finished). */
  resumed: boolean;
  /** Audit rows whose hash chain was checked in the copy. */
  auditChecked: number;
}

/** How many differences an error lists; the rest are counted. */
const SHOWN = 5;

/**
 * Copies a vault to another store, crash-safe. In order: a backup of the source (under the
 * master key, audit included); the copy, which is that backup restored into the target in ONE
 * transaction, so a crash leaves the target either empty or complete; then, on a new connection,
 * the whole target read back (every value decrypted) and compared with the source, and its audit
 * chain walked. A run that finds the target already holding exactly the source (an earlier run
 * stopped after its copy) goes straight to the check; a target holding anything else is refused
 * untouched. The source is never written.
 */
export async function moveStore(o: MoveStoreOptions): Promise<MoveStoreResult> {
  const step = o.checkpoint ?? (() => {});
  const doc = exportBackup(o.source, { masterKey: o.masterKey }, { includeAudit: true });
  await o.writeBackup(doc);
  step('backup written');
  const source = o.source.snapshot.export({ includeAudit: true });
  const counts = snapshotCounts(source);
  let resumed = false;
  const target = o.openTarget();
  try {
    const present = target.snapshot.export({ includeAudit: true });
    if (isEmptySnapshot(present)) {
      o.progress(`Copying ${describe(counts)} to ${o.targetName}`);
      restoreBackup(target, doc, { masterKey: o.masterKey });
      step('copied');
    } else if (compareSnapshots(source, present).length === 0) {
      o.progress(`${o.targetName} already holds this vault (an earlier run copied it); checking it`);
      resumed = true;
    } else {
      throw notEmpty(o.targetName, present);
    }
  } finally {
    target.close();
  }
  o.progress('Verifying: reading the copy back on a new connection and decrypting every value');
  const check = o.openTarget();
  try {
    const differences = compareSnapshots(source, check.snapshot.export({ includeAudit: true }));
    const chain = check.audit.verify();
    if (!chain.ok) differences.push(`the audit log's hash chain breaks at row ${chain.firstBad?.id ?? '?'}`);
    if (differences.length > 0) throw unverified(o.targetName, differences);
    step('verified');
    return { counts, resumed, auditChecked: chain.checked };
  } finally {
    check.close();
  }
}

function describe(c: StoreCounts): string {
  return `${c.secrets} secrets, ${c.agents} agents, ${c.grants} grants, ${c.rules} rules, ${c.audit} audit rows`;
}

function notEmpty(target: string, present: VaultSnapshot): NanoclawError {
  return new NanoclawError('target_not_empty', `${target} already holds a vault that is not a copy of this one (${describe(snapshotCounts(present))})`, {
    hint: 'Nothing was written to it. Give an empty database (e.g. createdb nanoclaw_vault) or a new schema, then run the same command again',
    details: { counts: snapshotCounts(present) },
  });
}

function unverified(target: string, differences: string[]): NanoclawError {
  const more = differences.length > SHOWN ? `; and ${differences.length - SHOWN} more` : '';
  return new NanoclawError('store_copy_differs', `The copy in ${target} does not match the vault: ${differences.slice(0, SHOWN).join('; ')}${more}`, {
    hint: 'Keep using the SQLite vault (nothing was switched). Empty the database and run the command again; if it fails again, report it as a bug',
    details: { differences },
  });
}
