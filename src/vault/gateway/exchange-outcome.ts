import type { AgentResponse } from './agent-exchange.js';
import { errorMessage } from '../../common/errors.js';
import type { RequestRecord } from './audit-recorder.js';
import type { EchoForms, EchoScanner } from './echo-scanner.js';
import { clientRefusal } from '../inject/client-refusal.js';
import { badGateway, notConnected, sendGatewayError } from './gateway-errors.js';
import type { GatewayContext } from './gateway-context.js';

/** What one exchange learns along the way that decides its audit row; shared by both upstream clients. */
export class ExchangeOutcome {
  scanner: EchoScanner | null = null;
  echoed = false;
  failure: string | null = null;
  /** The exchange was abandoned for a retry that answers the agent and writes the audit row instead. */
  retried = false;
  private readonly res: AgentResponse;
  private readonly rec: RequestRecord;

  constructor(res: AgentResponse, rec: RequestRecord) {
    this.res = res;
    this.rec = rec;
  }

  /** The upstream failed: a 502 when the agent has no answer yet, else its response is cut short. */
  upstreamFailed(err: unknown): void {
    this.failure ??= 'upstream_error';
    if (!this.res.headersSent) {
      sendGatewayError(this.res, badGateway(`${this.rec.host} failed: ${errorMessage(err)}`));
      this.rec.status = 502;
      this.rec.decision = 'error';
    } else this.res.destroy();
  }

  /** Writes the audit row when the agent's response closes; `abort` stops the upstream side if the agent left early. */
  auditOnClose(ctx: GatewayContext, abort: () => void): void {
    this.res.once('close', () => {
      if (this.retried) return;
      if (!this.res.writableFinished) {
        abort();
        this.failure ??= 'client_closed';
      }
      if (this.echoed || this.scanner?.redacted) this.rec.reason = 'credential_echo';
      else if (this.rec.reason === null) this.rec.reason = this.failure;
      ctx.audit.record(this.rec);
    });
  }
}

/**
 * A 401/403 from a credentialed host where nothing was injected means the service is not
 * connected for this agent: answers `app_not_connected` instead. True when it did.
 */
export function answeredNotConnected(
  ctx: GatewayContext,
  x: { res: AgentResponse; rec: RequestRecord; notConnectedHost: string | null; injected: EchoForms | null },
  status: number,
): boolean {
  if (x.notConnectedHost === null || x.injected !== null || (status !== 401 && status !== 403)) return false;
  x.rec.decision = 'not_connected';
  x.rec.reason = `upstream_${status}`;
  const error = notConnected(x.notConnectedHost, ctx.connectUrlBase);
  // Clients show only their own error shapes (git an ERR packet, OpenAI's SDK error.message).
  const shaped = clientRefusal({ host: x.notConnectedHost, path: x.rec.path, refusal: error });
  x.rec.status = shaped ? shaped.status : 401;
  if (shaped) x.res.writeHead(shaped.status, shaped.headers).end(shaped.body);
  else sendGatewayError(x.res, error);
  return true;
}
