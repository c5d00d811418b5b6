import { errorMessage } from '../../common/errors.js';
import type { AgentRequest, AgentResponse } from './agent-exchange.js';
import { PREVIEW_LIMIT } from '../approvals/approval-model.js';
import type { HoldOutcome, HoldRequest } from '../approvals/types.js';
import type { Agent, Secret } from '../model.js';
import { pathForAudit, type RequestRecord } from './audit-recorder.js';
import { approvalDigest, approvalHeaders, bodyPreview, declaredLength, hasBody } from './approval-hold-request.js';
import { peekBody } from './approval-hold-body.js';
import { echoForms } from './echo-scanner.js';
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

/** What the approver is shown: headers and body preview with every credential removed. */
function holdRequest(ctx: GatewayContext, h: HeldRequest, body: { bytes: Buffer; complete: boolean }): HoldRequest {
  const { req, secret } = h;
  const redactor = ctx.logger.redactor;
  // Decrypting registers the values with the redactor; their forms also catch a value cut by the limit.
  const values = ctx.grants.forHost(h.agent.id, h.host).flatMap((s) => ctx.grants.reveal(s)?.value ?? []);
  const forms = values.length > 0 ? echoForms(values) : null;
  const redact = (text: string): string => redactor.redact(text);
  const hide = secret?.injectionConfig && 'headerName' in secret.injectionConfig ? [secret.injectionConfig.headerName] : [];
  const declared = declaredLength(req.headers);
  const target = req.url ?? '/';
  return {
    agent: h.agent,
    secret,
    ruleId: h.hold.hold.id,
    method: h.rec.method,
    host: h.host,
    path: pathForAudit(h.rec.path),
    // From the raw list: Node's req.headers drops a `__proto__` header, which still goes upstream.
    headers: approvalHeaders(nodeHeaders(req.rawHeaders), { redact, hide }),
    bodyPreview: bodyPreview({ ...body, declared, contentEncoding: req.headers['content-encoding'], redact, forms }),
    bodyDigest: approvalDigest({
      method: h.rec.method,
      host: h.host,
      path: target,
      declared,
      preview: body.bytes.subarray(0, PREVIEW_LIMIT),
    }),
  };
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
    const outcome = await approvals.hold(holdRequest(ctx, h, body), controller.signal);
    const id = outcome.approvalId;
    if (outcome.decision === 'approved') {
      if (req.socket.destroyed) return gone(ctx, rec, `approval_cancelled:${id}`);
      // A person may take minutes: the grant that chose this secret may have been revoked meanwhile.
      if (h.secret && !ctx.grants.forHost(h.agent.id, h.host).some((s) => s.id === h.secret?.id)) {
        const revoked: GatewayError = {
          status: 403,
          error: 'manual_approval_denied',
          code: 'manual_approval_denied',
          message: `The request was approved, but ${h.secret.name} is no longer granted to this agent, so it is not sent`,
          extra: { approval_id: id },
        };
        deny(ctx, h, revoked, `approval_secret_revoked:${id}`);
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
