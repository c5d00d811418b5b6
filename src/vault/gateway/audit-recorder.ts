import type { Logger } from '../../common/logger.js';
import { cutText } from '../../common/cut-text.js';
import { errorMessage } from '../../common/errors.js';
import type { Agent, AuditEntry, NewAuditEntry } from '../model/records.js';
import type { VaultStore } from '../store/types.js';

const MAX_PATH = 2048;

/** The path with query keys kept and their values dropped (`/a?key=&page=`), cut to MAX_PATH bytes with the cut marked. */
export function pathForAudit(path: string): string {
  const hash = path.indexOf('#');
  const noHash = hash >= 0 ? path.slice(0, hash) : path;
  const q = noHash.indexOf('?');
  let out = noHash;
  if (q >= 0) {
    const keys = noHash
      .slice(q + 1)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        return eq >= 0 ? pair.slice(0, eq + 1) : pair;
      });
    out = `${noHash.slice(0, q)}?${keys.join('&')}`;
  }
  return cutText(out, MAX_PATH);
}

/** What the gateway knows about one request (or one tunnel) when it is done. */
export interface RequestRecord {
  agent: Agent | null;
  method: string;
  host: string;
  path: string;
  secretName: string | null;
  decision: AuditEntry['decision'];
  status: number | null;
  bytesIn: number;
  bytesOut: number;
  /** `performance.now()` when the request arrived. */
  startedAt: number;
  reason: string | null;
}

/** A fresh record for a request that has just arrived; handlers fill in the outcome. */
export function startRecord(
  fields: Pick<RequestRecord, 'agent' | 'method' | 'host' | 'path'> & { decision?: RequestRecord['decision'] },
): RequestRecord {
  return {
    secretName: null,
    decision: 'passthrough',
    status: null,
    bytesIn: 0,
    bytesOut: 0,
    startedAt: performance.now(),
    reason: null,
    ...fields,
  };
}

/**
 * How long rows wait to be sent together to the store, which writes them on a thread of its own
 * (both stores do). A batch has a fixed cost (its message, its transaction, the tail of the chain,
 * the last page of the table and of each index written again), about 200 µs on SQLite: at 25 ms
 * a single busy connection's rows cost half as much again as at 100 ms. A crash loses the rows of
 * one window either way.
 */
export const AUDIT_FLUSH_MS = 100;
/**
 * A batch this large goes at once. Busy, the gateway sends every few tens of milliseconds:
 * rows queued longer outlive a young-generation collection or two, and are copied and promoted
 * to the old generation only to die there. The SQLite store's writer puts batches together again
 * on its own thread.
 */
const MAX_BATCH = 256;

type BatchingAudit = VaultStore['audit'] & { appendMany?: (entries: NewAuditEntry[]) => void };

/**
 * One audit row per request, written off the request path: rows are queued and sent in batches
 * (`appendMany`, which both stores write on a thread of their own, since a commit per row costs
 * more than the request it records). A failing write is logged, never thrown at a socket.
 */
export class AuditRecorder {
  private readonly store: VaultStore;
  private readonly logger: Logger;
  private queue: NewAuditEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The last time stamped, as ISO text: formatting a date costs more than once per millisecond. */
  private stamp = { ms: -1, iso: '' };

  constructor(options: { store: VaultStore; logger: Logger }) {
    this.store = options.store;
    this.logger = options.logger;
  }

  record(r: RequestRecord): void {
    const ms = Date.now();
    if (ms !== this.stamp.ms) this.stamp = { ms, iso: new Date(ms).toISOString() };
    this.queue.push({
      time: this.stamp.iso,
      agentId: r.agent?.id ?? null,
      agentIdentifier: r.agent?.identifier ?? null,
      method: r.method,
      host: r.host,
      path: pathForAudit(r.path),
      secretName: r.secretName,
      decision: r.decision,
      status: r.status,
      bytesIn: r.bytesIn,
      bytesOut: r.bytesOut,
      durationMs: Math.round((performance.now() - r.startedAt) * 100) / 100,
      reason: r.reason,
    });
    if (this.queue.length >= MAX_BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), AUDIT_FLUSH_MS).unref();
  }

  /** Writes every queued row now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = this.queue;
    if (rows.length === 0) return;
    this.queue = [];
    const audit = this.store.audit as BatchingAudit;
    try {
      if (audit.appendMany) audit.appendMany(rows);
      else for (const row of rows) audit.append(row);
    } catch (err) {
      this.logger.warn('Could not write audit rows', { rows: rows.length, error: errorMessage(err) });
    }
  }
}
