import type { Logger } from '../../common/logger.js';
import type { ApprovalGate, HoldOutcome, HoldRequest } from '../approvals/types.js';
import type { Agent } from '../model/records.js';

/** What is asked: an agent reaching a host that is not on its allowlist. */
export interface NewHostQuestion {
  agent: Agent;
  host: string;
  port: number;
  /** `CONNECT`, or a plain-HTTP request's method. */
  method: string;
  /** A plain-HTTP request's target; absent for a CONNECT. */
  path?: string;
}

interface Shared {
  outcome: Promise<HoldOutcome>;
  /** Aborts the approval once every request waiting on it has gone. */
  controller: AbortController;
  waiting: number;
}

/**
 * Egress mode `ask`: the first CONNECT or plain-HTTP request of an agent to a host off its
 * allowlist is held until a person allows it once, always (the approval service adds the host
 * to the allowlist) or denies it. Requests to the same host while one waits share its approval,
 * so the person is asked once; it is cancelled only when all of them have gone.
 */
export class NewHostApprovals {
  private readonly shared = new Map<string, Shared>();
  private readonly approvals: Pick<ApprovalGate, 'hold'> | undefined;
  private readonly logger: Pick<Logger, 'info'>;

  constructor(o: { approvals: Pick<ApprovalGate, 'hold'> | undefined; logger: Pick<Logger, 'info'> }) {
    this.approvals = o.approvals;
    this.logger = o.logger;
  }

  /** Resolves when the shared approval ends (never rejects); `signal`: this request's agent went away. */
  ask(q: NewHostQuestion, signal: AbortSignal): Promise<HoldOutcome> {
    if (!this.approvals) return Promise.resolve({ decision: 'unreachable', approvalId: '', reason: 'approvals are not enabled in this vault' });
    const key = `${q.agent.id}\0${q.host}`;
    let entry = this.shared.get(key);
    if (!entry) {
      const controller = new AbortController();
      const outcome = this.approvals.hold(holdRequest(q), controller.signal).finally(() => this.shared.delete(key));
      entry = { outcome, controller, waiting: 0 };
      this.shared.set(key, entry);
    }
    const joined = entry;
    joined.waiting += 1;
    this.logger.info('Held until a person answers: the agent has not used this host', { agent: q.agent.identifier, host: q.host, waiting: joined.waiting });
    const leave = (): void => {
      joined.waiting -= 1;
      if (joined.waiting === 0) joined.controller.abort();
    };
    if (signal.aborted) leave();
    else signal.addEventListener('abort', leave, { once: true });
    return joined.outcome.finally(() => signal.removeEventListener('abort', leave));
  }
}

/** The card: the host and how it is reached; no body, no headers (nothing is sent before the answer). */
function holdRequest(q: NewHostQuestion): HoldRequest {
  const path = q.path ?? `:${q.port}`;
  return {
    kind: 'new_host',
    agent: q.agent,
    secret: null,
    ruleId: null,
    method: q.method,
    host: q.host,
    path,
    target: path,
    headers: {},
    bodyPreview: '',
    bodyDigest: '',
    bodySeen: 0,
    bodyUnseen: 0,
  };
}
