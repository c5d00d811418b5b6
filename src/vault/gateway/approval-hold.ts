import { errorMessage } from '../../common/errors.js';
import type { AgentRequest, AgentResponse } from './agent-exchange.js';
import { PREVIEW_LIMIT } from '../model/approvals.js';
import type { HoldOutcome, HoldRequest } from '../approvals/types.js';
import type { Agent, Secret } from '../model/records.js';
import { pathForAudit, type RequestRecord } from './audit-recorder.js';
import { approvalDigest, approvalHeaders, approvalTarget, bodyExtent, bodyPreview, declaredLength, hasBody } from './approval-hold-request.js';
import { peekBody } from './approval-hold-body.js';
import { echoForms } from './echo-forms.js';
import { nodeHeaders } from './node-headers.js';
import { sendGatewayError, type GatewayError } from './gateway-errors.js';
import type { GatewayContext } from './gateway-context.js';
import type { PolicyHold } from './policy-gate.js';

export interface HeldRequest {
  req: AgentRequest;
  res: AgentResponse;
  rec: RequestRecord;
  agent: Agent;
  /** The secret that would be injected, if any. */
  secret: Secret | null;
  host: string;
  hold: PolicyHold;
}

/** 403 `manual_approval_denied` naming the approval, so the agent can tell its user which one. */
export function approvalDenied(outcome: Exclude<HoldOutcome, { decision: 'approved' }>, what: string): GatewayError {
  return {
    status: 403,
    error: 'manual_approval_denied',
    code: 'manual_approval_denied',
    message: `${what} was not approved (${outcome.decision}: ${outcome.reason})`,
    extra: { approval_id: outcome.approvalId },
  };
}

/** The digest binding a decision to this request and the first `seen` bytes of its body. */
function digestOf(h: HeldRequest, bytes: Buffer, seen: number): string {
  return approvalDigest({
    method: h.rec.method,
    host: h.host,
    path: h.rec.path,
    declared: declaredLength(h.req.headers),
    preview: bytes.subarray(0, seen),
  });
}

/** 403 for a request a person approved that the gateway still does not send, and why. */
function approvedNotSent(approvalId: string, why: string): GatewayError {
  return {
    status: 403,
    error: 'manual_approval_denied',
    code: 'manual_approval_denied',
    message: `The request was approved, but ${why}, so it is not sent`,
    extra: { approval_id: approvalId },
  };
}

/** What the approver is shown: the normalised target, headers and body with every credential removed. */
function holdRequest(ctx: GatewayContext, h: HeldRequest, body: { bytes: Buffer; complete: boolean }): HoldRequest {
  const { req, secret } = h;
  const redactor = ctx.logger.redactor;
  // Decrypting registers the values with the redactor; their forms also catch a value cut by the limit.
  const values = ctx.grants.forHost(h.agent.id, h.host).flatMap((s) => {
    const read = ctx.grants.reveal(s, { wait: false });
    return read && 'value' in read ? read.value : [];
  });
  const forms = values.length > 0 ? echoForms(values) : null;
  const redact = (text: string): string => redactor.redact(text);
  const config = secret?.injectionConfig;
  const hideHeaders = config && 'headerName' in config ? [config.headerName] : [];
  const hideParams = config && 'paramName' in config ? [config.paramName] : [];
  const extent = bodyExtent(body, declaredLength(req.headers));
  return {
    agent: h.agent,
    secret,
    ruleId: h.hold.hold.id,
    method: h.rec.method,
    host: h.host,
    path: approvalTarget(h.rec.path, { redact, hide: hideParams }),
    target: h.rec.path,
    // From the raw list: Node's req.headers drops a `__proto__` header, which still goes upstream.
    headers: approvalHeaders(nodeHeaders(req.rawHeaders), { redact, hide: hideHeaders }),
    bodyPreview: bodyPreview({ ...body, contentEncoding: req.headers['content-encoding'], redact, forms }),
    bodyDigest: digestOf(h, body.bytes, extent.seen),
    bodySeen: extent.seen,
    bodyUnseen: extent.unseen,
  };
}

/**
 * Whether the bytes about to be released are those the approver saw: reads the body's first
 * `seen` bytes again (they are put back) and compares the digest with the one the decision
 * stored. Resolves false on any difference, or when the client left.
 */
async function releasesWhatWasSeen(h: HeldRequest, seen: number, stored: string): Promise<boolean> {
  const again = seen > 0 ? await peekBody(h.req, seen) : { bytes: Buffer.alloc(0), complete: true };
  return again !== null && again.bytes.length >= seen && digestOf(h, again.bytes, seen) === stored;
}

/**
 * Holds a request a `manual_approval` rule matched until a person decides. Resolves true when it
 * may be forwarded (its body intact in `req`, `rec.reason` naming the approval or grant); else it
 * has been answered with 403 (or the agent went away) and audited. Never rejects.
 */
export async function holdForApproval(ctx: GatewayContext, h: HeldRequest): Promise<boolean> {
  const { req, res, rec } = h;
  const approvals = ctx.approvals;
  const controller = new AbortController();
  const onClose = (): void => controller.abort();
  req.socket.once('close', onClose);
  // A person may take longer than the connection's idle timeout; waiting for them is not idleness.
  const idleMs = req.socket.timeout ?? 0;
  req.socket.setTimeout(0);
  try {
    if (!approvals) throw new Error('no approvals service');
    const body = hasBody(req.headers) ? await peekBody(req, PREVIEW_LIMIT) : { bytes: Buffer.alloc(0), complete: true };
    if (!body || req.socket.destroyed) return gone(ctx, rec, 'client_closed');
    const shown = holdRequest(ctx, h, body);
    const outcome = await approvals.hold(shown, controller.signal);
    const id = outcome.approvalId;
    if (outcome.decision === 'approved') {
      if (req.socket.destroyed) return gone(ctx, rec, `approval_cancelled:${id}`);
      if (outcome.bodyDigest !== null && !(await releasesWhatWasSeen(h, shown.bodySeen, outcome.bodyDigest))) {
        if (req.socket.destroyed) return gone(ctx, rec, `approval_cancelled:${id}`);
        deny(ctx, h, approvedNotSent(id, 'what would be sent differs from what the approver saw'), `approval_body_mismatch:${id}`);
        return false;
      }
      // A person may take minutes: the grant that chose this secret may have been revoked meanwhile.
      if (h.secret && !ctx.grants.forHost(h.agent.id, h.host).some((s) => s.id === h.secret?.id)) {
        deny(ctx, h, approvedNotSent(id, `${h.secret.name} is no longer granted to this agent`), `approval_secret_revoked:${id}`);
        return false;
      }
      rec.reason = outcome.grantId ? `approval_grant:${outcome.grantId}` : `approval:${id}`;
      return true;
    }
    if (req.socket.destroyed) return gone(ctx, rec, `approval_cancelled:${id}`);
    const what = `${rec.method} ${h.host}${pathForAudit(rec.path)}`;
    const denied = approvalDenied({ ...outcome, reason: ctx.logger.redactor.redact(outcome.reason) }, what);
    deny(ctx, h, denied, `approval_${outcome.decision}:${id}`);
    return false;
  } catch (err) {
    ctx.logger.error('Holding a request for approval failed', { host: h.host, error: errorMessage(err) });
    const error: GatewayError = {
      status: 403,
      error: 'manual_approval_denied',
      code: 'manual_approval_denied',
      message: `${h.hold.explain} The approval could not be recorded, so the request is denied.`,
    };
    deny(ctx, h, error, `policy_approval_failed:${h.hold.hold.id}`);
    return false;
  } finally {
    req.socket.off('close', onClose);
    if (idleMs > 0 && !req.socket.destroyed) req.socket.setTimeout(idleMs);
  }
}

/** Audits a held request whose agent went away: nothing to answer. */
function gone(ctx: GatewayContext, rec: RequestRecord, reason: string): false {
  rec.decision = 'denied';
  rec.reason = reason;
  ctx.audit.record(rec);
  return false;
}

/**
 * Answers 403 and drains the rest of the body, so the connection stays usable: closing with
 * unread bytes would make the kernel reset it, and the agent could lose the answer.
 */
function deny(ctx: GatewayContext, h: HeldRequest, error: GatewayError, reason: string): void {
  const { req, res, rec } = h;
  rec.status = error.status;
  rec.decision = 'denied';
  rec.reason = reason;
  sendGatewayError(res, error);
  res.once('close', () => ctx.audit.record(rec));
  req.resume();
}
