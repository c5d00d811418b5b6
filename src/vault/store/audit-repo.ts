import type { SqlDatabase, SqlValue } from './sql-database.js';
import { NanoclawError } from '../../common/errors.js';
import type { AuditEntry, AuditQuery, NewAuditEntry } from '../model/records.js';
import { chainedFields, fieldsHash, GENESIS, type ChainKey } from './audit-chain.js';
import { createAuditIntegrity } from './audit-integrity.js';
import { CHAINED_COLUMNS, COLUMNS, toEntry } from './audit-rows.js';
import { inTransaction, statementCache } from './db.js';
import { num, nowIso, text, textOrNull } from './rows.js';
import type { AuditPage, AuditStore } from './types.js';

/** The WHERE clause of an audit query; times compare as text because all are stored in UTC ISO form. */
export function auditFilter(query: Partial<AuditQuery>): { where: string; params: SqlValue[] } {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  const add = (clause: string, ...values: SqlValue[]) => {
    clauses.push(clause);
    params.push(...values);
  };
  if (query.agent) add('(agent_id = ? OR agent_identifier = ?)', query.agent, query.agent);
  if (query.secret) add('secret_name = ?', query.secret);
  if (query.host) add('host = ?', query.host.toLowerCase());
  if (query.since) add('time >= ?', isoOrThrow(query.since));
  if (query.status !== undefined) add('status = ?', query.status);
  if (query.decision) add('decision = ?', query.decision);
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

function isoOrThrow(since: string, field = 'since'): string {
  const at = new Date(since);
  if (Number.isNaN(at.getTime())) {
    throw new NanoclawError('validation_error', `${field}: "${since}" is not a date and time`, {
      hint: 'Use an ISO 8601 time such as 2025-01-31T12:00:00Z',
    });
  }
  return nowIso(at);
}

/**
 * A new row as it is stored and MACed: its time checked and put in UTC ISO form, its host in
 * lower case. Rows of a batch mostly share their time (the recorder stamps them to the
 * millisecond): the last time checked is remembered instead of parsing and formatting it again.
 * `fields` gives the same row as `chainedFields` lists it, written into `out` (no object per row).
 */
export function auditRowChecker(): {
  row: (entry: NewAuditEntry) => Omit<AuditEntry, 'id'>;
  fields: (entry: NewAuditEntry, out: (string | number | null)[]) => (string | number | null)[];
} {
  let lastTime: { given: string; iso: string } | null = null;
  const timeOf = (given: string | undefined): string => {
    if (!given) return nowIso();
    if (lastTime?.given !== given) lastTime = { given, iso: isoOrThrow(given, 'time') };
    return lastTime.iso;
  };
  return {
    row: (entry) => {
      const { agentId, agentIdentifier, method, path, secretName, decision, status, bytesIn, bytesOut, durationMs, reason } = entry;
      return { time: timeOf(entry.time), agentId, agentIdentifier, method, host: entry.host.toLowerCase(), path, secretName, decision, status, bytesIn, bytesOut, durationMs, reason };
    },
    fields: (entry, out) => {
      // The entry's own time and host are put in the fields first, then replaced by the checked ones.
      chainedFields(entry as Omit<AuditEntry, 'id'>, out);
      out[TIME_FIELD] = timeOf(entry.time);
      out[HOST_FIELD] = entry.host.toLowerCase();
      return out;
    },
  };
}

const TIME_FIELD = CHAINED_COLUMNS.findIndex(([name]) => name === 'time');
const HOST_FIELD = CHAINED_COLUMNS.findIndex(([name]) => name === 'host');

const INSERT_HEAD = `INSERT INTO audit (${COLUMNS}, prev_hash, hash) VALUES`;
/** id, the chained fields, prev_hash and hash. */
const COLUMN_COUNT = CHAINED_COLUMNS.length + 3;
const ROW_PARAMS = `(${Array(COLUMN_COUNT).fill('?').join(', ')})`;
/** Rows per INSERT statement, largest first: a batch of up to 256 takes at most 4 + 3 + 3 + 3 statements. */
const CHUNK_SIZES = [64, 16, 4, 1];
/** Each chunk size's statement, built once (the statement cache is keyed by its text). */
const INSERTS = new Map(CHUNK_SIZES.map((size) => [size, `${INSERT_HEAD} ${Array(size).fill(ROW_PARAMS).join(', ')}`]));

/** The gateway's request log, newest first; each row is chained to the one before (audit-chain.ts) under `chainKey`. */
export function createAuditRepo({ db, chainKey }: { db: SqlDatabase; chainKey: ChainKey }): AuditStore {
  const sql = statementCache(db);
  // Read inside each write transaction, so a second writer on the file never forks the chain.
  const tailHash = (): string => {
    const row = sql('SELECT hash FROM audit ORDER BY id DESC LIMIT 1').get();
    return row ? (textOrNull(row, 'hash') ?? GENESIS) : GENESIS;
  };
  let prev = GENESIS;
  const checked = auditRowChecker();
  // Reused by every row and every statement: a batch allocates no array per row or per statement.
  const fields = new Array<string | number | null>(CHAINED_COLUMNS.length);
  const paramsFor = new Map(CHUNK_SIZES.map((size) => [size, new Array<SqlValue>(size * COLUMN_COUNT)]));
  /**
   * Puts the row's values in `params` from `at` on, in INSERT order (id, the chained fields, the
   * hashes), chained to the row before, and moves the chain on.
   */
  const chainInto = (params: SqlValue[], at: number, entry: NewAuditEntry & { id?: number }): void => {
    checked.fields(entry, fields);
    const hash = fieldsHash(chainKey, prev, fields);
    params[at] = entry.id ?? null;
    for (let i = 0; i < fields.length; i++) params[at + 1 + i] = fields[i]!;
    params[at + 1 + fields.length] = prev;
    params[at + 2 + fields.length] = hash;
    prev = hash;
  };
  const insert = (entry: NewAuditEntry & { id?: number }): AuditEntry => {
    const row = checked.row(entry);
    const rowFields = chainedFields(row);
    const hash = fieldsHash(chainKey, prev, rowFields);
    const params = [entry.id ?? null, ...rowFields, prev, hash];
    prev = hash;
    // RETURNING rather than lastInsertRowid, which only SQLite has.
    const inserted = sql(`${INSERT_HEAD} ${ROW_PARAMS} RETURNING id`).get(...params);
    return { id: num(inserted!, 'id'), ...row };
  };
  // A batch goes in a few multi-row statements, not one per row: on Postgres each statement is a
  // round trip that the gateway's thread waits for.
  const insertAll = (entries: readonly (NewAuditEntry & { id?: number })[]): void => {
    try {
      let at = 0;
      for (const size of CHUNK_SIZES) {
        if (entries.length - at < size) continue;
        const statement = sql(INSERTS.get(size)!);
        const params = paramsFor.get(size)!;
        for (; entries.length - at >= size; at += size) {
          for (let k = 0; k < size; k++) chainInto(params, k * COLUMN_COUNT, entries[at + k]!);
          statement.run(...params);
        }
      }
    } finally {
      // The rows, written or not, are not kept alive until the next batch.
      for (const params of paramsFor.values()) params.fill(null);
      fields.fill(null);
    }
  };
  const repo: AuditStore = {
    appendMany(entries: NewAuditEntry[]): void {
      // One commit for the batch: a commit per row costs an fsync each under WAL.
      inTransaction(db, () => {
        prev = tailHash();
        insertAll(entries);
      });
    },
    append(entry: NewAuditEntry): AuditEntry {
      return inTransaction(db, () => {
        prev = tailHash();
        return insert(entry);
      });
    },
    list(query: AuditQuery): AuditPage {
      const limit = query.limit ?? 100;
      const offset = query.offset ?? 0;
      const { where, params } = auditFilter(query);
      // Built from fixed clause strings only; every value goes through a bound parameter.
      const total = num(sql(`SELECT COUNT(*) AS n FROM audit ${where}`).get(...params)!, 'n');
      const data = sql(`SELECT ${COLUMNS} FROM audit ${where} ORDER BY time DESC, id DESC LIMIT ? OFFSET ?`)
        .all(...params, limit, offset)
        .map(toEntry);
      return { data, total, limit, offset };
    },
    replaceAll(entries: AuditEntry[]): void {
      // A restored log is chained anew under this vault's key: the backup itself is authenticated.
      inTransaction(db, () => {
        db.exec('DELETE FROM audit');
        sql('UPDATE audit_chain SET legacy_through_id = 0, pruned_through_id = NULL, pruned_through_hash = NULL, pruned_at = NULL').run();
        prev = GENESIS;
        insertAll(entries);
      });
    },
    ...createAuditIntegrity({ db, chainKey }),
  };
  return repo;
}
