import type { Logger } from '../../common/logger.js';
import { errorMessage } from '../../common/errors.js';
import type { Agent, AuditEntry } from '../model.js';
import type { VaultStore } from '../store/types.js';

const MAX_PATH = 2048;

/** The path with query keys kept and their values dropped (`/a?key=&page=`), capped in length. */
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
  return out.length > MAX_PATH ? out.slice(0, MAX_PATH) : out;
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

/** Writes one audit row per request; a failing audit write is logged, never thrown at a socket. */
export class AuditRecorder {
  private readonly store: VaultStore;
  private readonly logger: Logger;

  constructor(options: { store: VaultStore; logger: Logger }) {
    this.store = options.store;
    this.logger = options.logger;
  }

  record(r: RequestRecord): void {
    try {
      this.store.audit.append({
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
    } catch (err) {
      this.logger.warn('Could not write an audit row', { host: r.host, error: errorMessage(err) });
    }
  }
}
