import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { PgBridge } from '../store/pg-bridge.js';
import { REPLICAS_TABLE } from '../store/pg-database.js';
import { WRITE_LOCK_KEY } from '../store/pg-dialect.js';
import type { Replica } from './schemas.js';

/** How often a vault process on Postgres says it is alive. */
export const HEARTBEAT_MS = 5_000;
/** Seen within this many heartbeats: live. A process that stopped cleanly leaves at once. */
const LIVE_BEATS = 3;
/** Rows of processes not seen for this long are removed by the next process that starts. */
const FORGET_AFTER = '1 day';

export interface ReplicaRegistry {
  /** The live vault processes on this store, oldest first; null when the database cannot be asked. */
  live(): Replica[] | null;
  /** Stops the heartbeat and removes this process's row. */
  close(): void;
}

export interface ReplicaRegistryOptions {
  /** The store's Postgres URL; absent: a SQLite store, which one process holds (its data directory's lock). */
  databaseUrl?: string | undefined;
  version: string;
  logger: Logger;
  heartbeatMs?: number;
}

const SCHEMA = `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY});
  CREATE TABLE IF NOT EXISTS ${REPLICAS_TABLE} (id TEXT COLLATE "C" PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL,
    version TEXT NOT NULL, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), seen_at TIMESTAMPTZ NOT NULL DEFAULT now());
  DELETE FROM ${REPLICAS_TABLE} WHERE seen_at < now() - interval '${FORGET_AFTER}';
  COMMIT`;
// The database's clock decides "recently", so hosts whose clocks differ still agree.
const BEAT = `INSERT INTO ${REPLICAS_TABLE} (id, host, pid, version) VALUES ($1, $2, $3, $4)
  ON CONFLICT (id) DO UPDATE SET seen_at = now()`;
const LIVE = `SELECT id, host, pid, version, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
    EXTRACT(EPOCH FROM now() - seen_at)::float8 AS age
  FROM ${REPLICAS_TABLE} WHERE seen_at > now() - $1 * interval '1 millisecond' ORDER BY started_at, id`;

/**
 * Registers this vault process with the other processes on its store: on Postgres a row with a
 * heartbeat (a connection of its own, so a busy store connection never delays it); on SQLite
 * the one process there can be.
 */
export function startReplicaRegistry(o: ReplicaRegistryOptions): ReplicaRegistry {
  const self = { id: `rep_${randomBytes(6).toString('hex')}`, host: hostname(), pid: process.pid, version: o.version, startedAt: new Date().toISOString() };
  if (!o.databaseUrl) return { live: () => [{ ...self, lastSeenSecondsAgo: 0, self: true }], close: () => {} };
  const beatMs = o.heartbeatMs ?? HEARTBEAT_MS;
  const bridge = new PgBridge({ url: o.databaseUrl });
  let warned = false;
  bridge.onLateErrors = (messages) => {
    if (!warned) o.logger.warn('The vault heartbeat could not be written; other replicas may not list this one', { error: messages[0] ?? '' });
    warned = true;
  };
  const params = [self.id, self.host, self.pid, self.version];
  try {
    bridge.query(SCHEMA, [], { script: true });
    bridge.query(BEAT, params);
  } catch (err) {
    bridge.close();
    throw err;
  }
  const timer = setInterval(() => bridge.post(BEAT, params), beatMs);
  timer.unref();
  return {
    live() {
      try {
        return bridge.query(LIVE, [beatMs * LIVE_BEATS]).rows.map((r) => ({
          id: String(r.id),
          host: String(r.host),
          pid: Number(r.pid),
          version: String(r.version),
          startedAt: String(r.started_at),
          lastSeenSecondsAgo: Math.max(0, Math.round(Number(r.age) * 10) / 10),
          self: r.id === self.id,
        }));
      } catch (err) {
        o.logger.debug('Cannot list the vault replicas', { error: errorMessage(err) });
        return null;
      }
    },
    close() {
      clearInterval(timer);
      try {
        bridge.query(`DELETE FROM ${REPLICAS_TABLE} WHERE id = $1`, [self.id]);
      } catch {
        /* the row ages out */
      }
      bridge.close();
    },
  };
}
