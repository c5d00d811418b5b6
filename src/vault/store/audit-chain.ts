import { createHash, hash, hkdfSync } from 'node:crypto';
import type { AuditEntry, AuditVerifyReport } from '../model/records.js';

/**
 * The audit log's hash chain: every row carries the MAC of its fields and of the row before it,
 * under a key derived from the master key. Whoever edits the database file without the master key
 * cannot forge a row, so a changed, removed or inserted row shows at the first place it broke the
 * chain. The newest rows can still be cut off unseen: `verify` reports the head so it can be kept
 * elsewhere and compared.
 */

/** The chain's MAC key, derived from the master key (never the master key itself). */
export type ChainKey = Buffer & { readonly chainKey: unique symbol };

export function chainKey(masterKey: Buffer): ChainKey {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'nanoclaw audit chain v1', 32)) as ChainKey;
}

/**
 * The MAC rows written before `textHash`'s carry: SHA3-256 over the key and the message. SHA-3 has
 * no length extension, so the key as a prefix is a sound MAC (the construction of KMAC).
 */
export function macHex(key: ChainKey, message: string): string {
  return createHash('sha3-256').update(key).update(message).digest('hex');
}

/** The hash before the first row of a chain (and after a restore re-chained the log). */
export const GENESIS = '';

/**
 * A row stores the first 128 bits of its MAC (32 hex digits), as KMAC128 and truncated HMACs
 * do: forging one still takes 2^128 tries, and the two hashes were half of every audit row, so
 * of every page the gateway writes for it. Rows written before keep all 256 bits (64 digits).
 */
const STORED_HEX = 32;
const FULL_HEX = 64;

/** The fields a row's MAC covers: everything but its id, in a fixed order. */
type Chained = Omit<AuditEntry, 'id'>;
type Field = string | number | null;

/**
 * A row's fields in the order its MAC covers them, which is also the audit table's column order
 * after `id`; written into `out` when given (a batch reuses one array rather than one per row).
 */
export function chainedFields(e: Chained, out: Field[] = new Array<Field>(13)): Field[] {
  out[0] = e.time; out[1] = e.agentId; out[2] = e.agentIdentifier; out[3] = e.method; out[4] = e.host;
  out[5] = e.path; out[6] = e.secretName; out[7] = e.decision; out[8] = e.status; out[9] = e.bytesIn;
  out[10] = e.bytesOut; out[11] = e.durationMs; out[12] = e.reason;
  return out;
}

/** Between the hash of the row before and the fields in the text a row's MAC covers. */
const SEPARATOR = 0x0a;

/**
 * Per key: a buffer that starts with the key as 64 hex digits (one whole SHA-256 block), into which
 * each row's text is written after it. Hashing the bytes spares building the key, the hash before
 * and the fields into one string per row, which the hash then copied again to read it.
 */
const scratch = new WeakMap<ChainKey, Buffer>();
const KEY_HEX = 64;

function keyed(key: ChainKey, room: number): Buffer {
  let buf = scratch.get(key);
  if (buf === undefined || buf.length < KEY_HEX + room) {
    const old = buf;
    buf = Buffer.alloc(Math.max(4096, 2 * (KEY_HEX + room)));
    buf.write(key.toString('hex'), 0, 'latin1');
    // The key's text is not left behind in a buffer given up.
    old?.fill(0);
    scratch.set(key, buf);
  }
  return buf;
}

/**
 * The MAC a new row stores: SHA-256 over the key (as 64 hex digits, one whole block) and the
 * row's text (`prevHash`, a line break, `json` in UTF-8), cut to its first 128 bits. A key-prefix
 * SHA-256 is open to length extension only to whoever holds its whole output, which is the hash
 * state; with half of it withheld, extending a row's MAC takes guessing the other 128 bits (the
 * argument for SHA-512/256's cut). It costs half of SHA3-256 for the audit writer, which MACs
 * every row. `json` is the row's `chainedText`.
 */
export function textHash(key: ChainKey, prevHash: string, json: string): string {
  // A UTF-16 code unit is at most 3 bytes of UTF-8.
  const buf = keyed(key, 3 * (prevHash.length + json.length) + 1);
  let n = KEY_HEX + buf.write(prevHash, KEY_HEX, 'utf8');
  buf[n++] = SEPARATOR;
  n += buf.write(json, n, 'utf8');
  return hash('sha256', buf.subarray(0, n), 'hex').slice(0, STORED_HEX);
}

/** The text a row's MAC covers after the hash before it: its fields as `chainedFields` lists them, in JSON. */
export function chainedText(fields: readonly Field[]): string {
  return JSON.stringify(fields);
}

/** The hash a new row stores, chained to the row before it; `fields` as `chainedFields` gives them. Pure. */
export function fieldsHash(key: ChainKey, prevHash: string, fields: readonly Field[]): string {
  return textHash(key, prevHash, chainedText(fields));
}

/** The hash a new row stores, chained to the row before it. Pure. */
export function rowHash(key: ChainKey, prevHash: string, e: Chained): string {
  return fieldsHash(key, prevHash, chainedFields(e));
}

/**
 * Whether `stored` is this row's MAC: as new rows store it, or as rows written before stored it
 * (the whole SHA3-256 MAC, then its first 32 digits). A row is checked against every form of its
 * length, which leaves a forger 2^127 tries where one form gave 2^128.
 */
function hashMatches(key: ChainKey, prevHash: string, e: Chained, stored: string): boolean {
  if (stored.length !== STORED_HEX && stored.length !== FULL_HEX) return false;
  const json = chainedText(chainedFields(e));
  if (stored.length === STORED_HEX && textHash(key, prevHash, json) === stored) return true;
  return macHex(key, `${prevHash}\n${json}`).startsWith(stored);
}

/** A stored row with its chain columns. */
export interface ChainedRow extends AuditEntry {
  prevHash: string | null;
  hash: string | null;
}

/** Where the chain starts: after the rows written before it existed, and after the last pruning. */
export interface ChainStart {
  /** Rows up to this id were written before the chain existed and are not checked. */
  legacyThroughId: number;
  /** The last pruned row, whose hash the first remaining row must name; null when nothing was pruned. */
  pruned: { throughId: number; hash: string; at: string } | null;
}

/**
 * Walks the rows in id order and reports the first that breaks the chain: `changed` (its MAC does
 * not match its fields), `removed` (rows before it are missing), `inserted` (it is not part of the
 * chain, the row after it follows its predecessor). Pure; `rows` may be a lazy iterator.
 */
export function verifyChain(key: ChainKey, start: ChainStart, rows: Iterable<ChainedRow>): AuditVerifyReport {
  let expectedPrev = start.pruned?.hash ?? GENESIS;
  let previous: ChainedRow | null = null;
  let checked = 0;
  let legacy = 0;
  // A row that broke the chain; the row after it tells how.
  let suspect: { row: ChainedRow; macOk: boolean } | null = null;
  const report = (firstBad: AuditVerifyReport['firstBad']): AuditVerifyReport => ({
    ok: firstBad === null,
    checked,
    legacy,
    firstBad,
    head: firstBad === null && previous ? { id: previous.id, hash: previous.hash ?? '' } : null,
    prunedThroughId: start.pruned?.throughId ?? null,
  });
  const broken = (row: ChainedRow, problem: 'changed' | 'removed' | 'inserted') =>
    report({ id: row.id, problem, after: previous?.id ?? null });
  for (const row of rows) {
    if (suspect) {
      // The next row links to the last good one: the suspect is not part of the chain at all.
      if (row.prevHash === expectedPrev) return broken(suspect.row, 'inserted');
      return broken(suspect.row, suspect.macOk ? 'removed' : 'changed');
    }
    if (row.hash === null && row.id <= start.legacyThroughId) {
      legacy++;
      continue;
    }
    const macOk = row.hash !== null && row.prevHash !== null && hashMatches(key, row.prevHash, row, row.hash);
    if (macOk && row.prevHash === expectedPrev) {
      expectedPrev = row.hash!;
      previous = row;
      checked++;
      continue;
    }
    suspect = { row, macOk };
  }
  if (suspect) return broken(suspect.row, suspect.macOk ? 'removed' : 'changed');
  return report(null);
}
