import type { RateCounter } from '../model/policy-rule.js';
import { WRITE_LOCK_KEY } from './pg-dialect.js';
import type { PgBridge } from './pg-bridge.js';

/** The hits of every replica's rate limits: Postgres-only bookkeeping (SQLite counts in memory), not a numbered migration. */
export const RATE_HITS_TABLE = 'nanoclaw_rate_hits';

/**
 * The table and the function that checks and records a request's hits in one step. Each key is
 * locked for the transaction, in key order (two callers never wait on each other in a cycle),
 * under the class of the store's write lock; the semantics are the in-memory limiter's sliding
 * window: hits later than `now - window` count, and a full limit frees up when its oldest
 * counted hit leaves the window.
 */
export const RATE_COUNTER_SCHEMA = `
  CREATE TABLE IF NOT EXISTS ${RATE_HITS_TABLE} (key TEXT COLLATE "C" NOT NULL, at BIGINT NOT NULL);
  CREATE INDEX IF NOT EXISTS ${RATE_HITS_TABLE}_by_key ON ${RATE_HITS_TABLE} (key, at);
  CREATE OR REPLACE FUNCTION nanoclaw_rate_try(keys text[], limits bigint[], windows bigint[], now_ms bigint,
      OUT full_index int, OUT retry_after_ms bigint) LANGUAGE plpgsql AS $$
  DECLARE k text; i int; n bigint; freeing bigint;
  BEGIN
    FOR k IN SELECT DISTINCT u FROM unnest(keys) AS u ORDER BY u LOOP
      PERFORM pg_advisory_xact_lock(${WRITE_LOCK_KEY}, hashtext(k));
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(keys, 1), 0) LOOP
      SELECT count(*) INTO n FROM ${RATE_HITS_TABLE} WHERE key = keys[i] AND at > now_ms - windows[i];
      IF n >= limits[i] THEN
        SELECT at INTO freeing FROM ${RATE_HITS_TABLE} WHERE key = keys[i] AND at > now_ms - windows[i]
          ORDER BY at OFFSET n - limits[i] LIMIT 1;
        full_index := i - 1;
        retry_after_ms := greatest(coalesce(freeing, now_ms) + windows[i] - now_ms, 0);
        RETURN;
      END IF;
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(keys, 1), 0) LOOP
      DELETE FROM ${RATE_HITS_TABLE} WHERE key = keys[i] AND at <= now_ms - windows[i];
      INSERT INTO ${RATE_HITS_TABLE} (key, at) VALUES (keys[i], now_ms);
    END LOOP;
  END $$;
`;

/** Rate limits counted in the database, so N per window holds across every vault process; one round trip per request a limit applies to. */
export function pgRateCounter(bridge: PgBridge): RateCounter {
  return {
    tryHitAll(limits, now) {
      const { rows } = bridge.query('SELECT full_index, retry_after_ms FROM nanoclaw_rate_try($1::text[], $2::bigint[], $3::bigint[], $4::bigint)', [
        // Postgres text holds no NUL, which the policy's keys use as a separator.
        limits.map((l) => encodeURIComponent(l.key)),
        limits.map((l) => l.limit),
        limits.map((l) => l.windowMs),
        Math.floor(now),
      ]);
      const row = rows[0];
      if (!row || row.full_index === null) return null;
      return { index: Number(row.full_index), retryAfterMs: Number(row.retry_after_ms) };
    },
  };
}
