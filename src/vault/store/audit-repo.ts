import type { SqlDatabase, SqlValue } from './sql-database.js';
import { NanoclawError } from '../../common/errors.js';
import type { AuditEntry, AuditQuery, NewAuditEntry } from '../model/records.js';
import { chainedFields, chainedText, fieldsHash, GENESIS, textHash, type ChainKey } from './audit-chain.js';
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

/**
 * Turns new rows into the text the audit writer sends for each: the `chainedText` of its checked
 * fields, which its MAC covers as it is (a bad time throws here, before anything is sent).
 */
export function auditRowTexts(): (entry: NewAuditEntry) => string {
  const checked = auditRowChecker();
  const fields = new Array<Field>(CHAINED_COLUMNS.length);
  return (entry) => chainedText(checked.fields(entry, fields));
}

type Field = string | number | null;

const INSERT_HEAD = `INSERT INTO audit (${COLUMNS}, prev_hash, hash) VALUES`;
/** id, the chained fields, prev_hash and hash. */
const COLUMN_COUNT = CHAINED_COLUMNS.length + 3;
const ROW_PARAMS = `(${Array(COLUMN_COUNT).fill('?').join(', ')})`;
/** Rows per INSERT statement, largest first: a batch of up to 256 takes at most 4 + 3 + 3 + 3 statements. */
const CHUNK_SIZES = [64, 16, 4, 1];
/** Each chunk size's statement, built once (the statement cache is keyed by its text). */
const INSERTS = new Map(CHUNK_SIZES.map((size) => [size, `${INSERT_HEAD} ${Array(size).fill(ROW_PARAMS).join(', ')}`]));

/**
 * Appends rows given as `auditRowTexts` makes them, each chained to the one before: what the audit
 * writer's thread runs (audit-writer.ts), and the repo's own batches.
 */
export function auditAppender({ db, chainKey }: { db: SqlDatabase; chainKey: ChainKey }): {
  /** Appends in one transaction, after the log's last row. */
  append(texts: readonly string[]): void;
  /** Inserts inside the caller's transaction, after the row whose hash is `prev`; `ids` for a restore. */
  insertAfter(prev: string, texts: readonly string[], ids?: readonly (number | null)[]): void;
  /** The log's last hash; read inside the write transaction that appends after it. */
  tailHash(): string;
} {
  const sql = statementCache(db);
  // Read inside each write transaction, so a second writer on the file never forks the chain.
  const tailHash = (): string => {
    const row = sql('SELECT hash FROM audit ORDER BY id DESC LIMIT 1').get();
    return row ? (textOrNull(row, 'hash') ?? GENESIS) : GENESIS;
  };
  // Reused by every statement: a batch allocates no array per statement.
  const paramsFor = new Map(CHUNK_SIZES.map((size) => [size, new Array<SqlValue>(size * COLUMN_COUNT)]));
  // A batch goes in a few multi-row statements, not one per row: on Postgres each statement is a
  // round trip that the gateway's thread waits for.
  const insertAfter = (prev: string, texts: readonly string[], ids?: readonly (number | null)[]): void => {
    try {
      let at = 0;
      for (const size of CHUNK_SIZES) {
        if (texts.length - at < size) continue;
        const statement = sql(INSERTS.get(size)!);
        const params = paramsFor.get(size)!;
        for (; texts.length - at >= size; at += size) {
          for (let k = 0; k < size; k++) {
            // The row's values in INSERT order (id, the chained fields, the hashes) from k's place on.
            const text = texts[at + k]!;
            const fields = JSON.parse(text) as unknown;
            if (!Array.isArray(fields) || fields.length !== CHAINED_COLUMNS.length) {
              throw new Error(`An audit row's text has ${Array.isArray(fields) ? fields.length : 'no'} fields, not ${CHAINED_COLUMNS.length}`);
            }
            const hash = textHash(chainKey, prev, text);
            const base = k * COLUMN_COUNT;
            params[base] = ids?.[at + k] ?? null;
            for (let i = 0; i < fields.length; i++) params[base + 1 + i] = fields[i] as Field;
            params[base + 1 + fields.length] = prev;
            params[base + 2 + fields.length] = hash;
            prev = hash;
          }
          statement.run(...params);
        }
      }
    } finally {
      // The rows, written or not, are not kept alive until the next batch.
      for (const params of paramsFor.values()) params.fill(null);
    }
  };
  return {
    // One commit for the batch: a commit per row costs an fsync each under WAL.
    append: (texts) => inTransaction(db, () => insertAfter(tailHash(), texts)),
    insertAfter,
    tailHash,
  };
}

/** The gateway's request log, newest first; each row is chained to the one before (audit-chain.ts) under `chainKey`. */
export function createAuditRepo({ db, chainKey }: { db: SqlDatabase; chainKey: ChainKey }): AuditStore {
  const sql = statementCache(db);
  const appender = auditAppender({ db, chainKey });
  const checked = auditRowChecker();
  const toText = auditRowTexts();
  const insert = (entry: NewAuditEntry): AuditEntry => {
    const row = checked.row(entry);
    const rowFields = chainedFields(row);
    const prev = appender.tailHash();
    const params = [null, ...rowFields, prev, fieldsHash(chainKey, prev, rowFields)];
    // RETURNING rather than lastInsertRowid, which only SQLite has.
    const inserted = sql(`${INSERT_HEAD} ${ROW_PARAMS} RETURNING id`).get(...params);
    return { id: num(inserted!, 'id'), ...row };
  };
  const repo: AuditStore = {
    appendMany(entries: NewAuditEntry[]): void {
      appender.append(entries.map(toText));
    },
    append(entry: NewAuditEntry): AuditEntry {
      return inTransaction(db, () => insert(entry));
    },
    // Written before appendMany returns.
    settle: () => {},
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
        appender.insertAfter(GENESIS, entries.map(toText), entries.map((e) => e.id));
      });
    },
    ...createAuditIntegrity({ db, chainKey }),
  };
  return repo;
}
