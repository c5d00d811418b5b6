import { errorMessage } from '../../common/errors.js';
import type { AgentRequest, AgentResponse } from './agent-exchange.js';
import type { RequestRecord } from './audit-recorder.js';
import type { Injection } from './decide-request.js';
import type { EchoForms } from './echo-scanner.js';
import { bodySink, type BodySink } from './body-sink.js';
import { answeredNotConnected, ExchangeOutcome } from './exchange-outcome.js';
import { badGateway, sendGatewayError } from './gateway-errors.js';
import type { GatewayContext } from './gateway-context.js';
import type { PoolKey } from './pool-key.js';
import { planResponse } from './response-plan.js';
import type { ResponseHead } from './response-parser.js';
import type { BodyFraming, CallOptions, DialTarget, UpstreamCall } from './upstream-client.js';

export interface UpstreamExchange {
  req: AgentRequest;
  res: AgentResponse;
  rec: RequestRecord;
  target: DialTarget;
  /** Whose connection it may go on (pool-key.ts). */
  owner: PoolKey;
  path: string;
  /** Flat `[name, value, …]` request headers, value injected. */
  headers: string[];
  /** Forms of the value injected into this request, whose echoes are redacted; null when none was. */
  injected: EchoForms | null;
  /** A 401/403 with nothing injected becomes `app_not_connected` for this host; null: passed on. */
  notConnectedHost: string | null;
  /** The secret and value injected, told of the status (after a 401 an `oauth2` token is renewed before its next use). */
  credential?: Pick<Injection, 'secret' | 'value'> | null;
  /**
   * Sends the request again, decided anew (its `oauth2` token renewed), in place of answering a 401
   * to it. Taken only for a request without a body: nothing is buffered to resend.
   */
  retryUnauthorized?: (() => void) | null;
}

/** How the request body is framed upstream: as the agent framed it (chunked is re-chunked). */
function framing(req: AgentRequest): BodyFraming {
  if (req.headers['transfer-encoding'] !== undefined) return 'chunked';
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0' ? 'length' : 'none';
}

/** What the response half of an exchange needs. */
export type ResponseSide = Pick<UpstreamExchange, 'res' | 'rec' | 'injected' | 'notConnectedHost' | 'credential' | 'retryUnauthorized'>;

/**
 * The response half of an exchange: the call's events (head planned, body scanned or passed,
 * the audit row written when the agent's response closes). `attach` the call before it can
 * emit anything.
 */
function responseHalf(ctx: GatewayContext, x: ResponseSide): { events: CallOptions['events']; attach(call: UpstreamCall): void } {
  const { res, rec } = x;
  const outcome = new ExchangeOutcome(res, rec);
  /** Where body bytes go once the head is known; null: discarded (replaced response). */
  let sink: BodySink['sink'] | null = null;
  let finish: BodySink['finish'] | null = null;
  let call: UpstreamCall;

  const onHead = (head: ResponseHead): void => {
    const { status } = head;
    rec.status = status;
    if (x.credential) ctx.grants.answered(x.credential.secret, x.credential.value, status);
    if (status === 401 && x.credential) {
      if (x.retryUnauthorized) {
        // Nothing reached the agent yet: this call goes (with its connection), the retry answers.
        outcome.retried = true;
        call.abort();
        x.retryUnauthorized();
        return;
      }
    }
    if (answeredNotConnected(ctx, x, status)) return;
    const plan = planResponse({ method: rec.method, status, statusMessage: head.statusMessage, rawHeaders: head.rawHeaders, injected: x.injected });
    if (plan.refused) {
      // Bytes the gateway cannot scan never reach the agent; the upstream connection goes with them.
      rec.status = plan.refused.error.status;
      rec.reason = plan.refused.reason;
      call.abort();
      sendGatewayError(res, plan.refused.error);
      return;
    }
    outcome.echoed = plan.echoed;
    outcome.scanner = plan.scanner;
    res.writeHead(status, plan.statusMessage, plan.headers);
    ({ sink, finish } = bodySink({ res, rec, call, plan }));
    // Bytes passed through untouched may skip JavaScript altogether (native transport on both sides).
    const target = plan.scanner || plan.decoder ? null : (res.pipeTarget?.() ?? null);
    if (target) {
      call.offerPipe({
        target,
        before: () => res.preparePipe?.(),
        after: (moved) => {
          rec.bytesOut += moved;
          ctx.logger.debug('Response body passed natively', { host: rec.host, bytes: moved });
        },
      });
    }
  };
  return {
    events: {
      head: (head) => onHead(head),
      body: (chunk) => sink?.(chunk),
      end: () => finish?.(),
      error: (err) => outcome.retried || outcome.upstreamFailed(err),
    },
    attach: (c) => {
      call = c;
      outcome.auditOnClose(ctx, () => c.abort());
    },
  };
}

/**
 * Streams one TLS-terminated request to its upstream over the gateway's own client and the
 * response back, with backpressure both ways (never buffering a body); the audit row is
 * written when the agent's response closes. Same outcomes as `runExchange`, less work.
 */
export function runUpstreamExchange(ctx: GatewayContext, x: UpstreamExchange): void {
  const { req, res, rec } = x;
  const body = framing(req);
  const half = responseHalf(ctx, body === 'none' ? x : { ...x, retryUnauthorized: null });
  let call: UpstreamCall;
  try {
    call = ctx.pool.call({ target: x.target, owner: x.owner, method: rec.method, path: x.path, headers: x.headers, body, events: half.events });
  } catch (err) {
    // A header no HTTP/1.1 message may carry: nothing was sent.
    req.resume();
    rec.status = 502;
    rec.decision = 'error';
    rec.reason = 'bad_request_header';
    res.once('close', () => ctx.audit.record(rec));
    sendGatewayError(res, badGateway(`${rec.host} failed: ${errorMessage(err)}`));
    return;
  }
  half.attach(call);

  if (body === 'none') req.resume();
  else {
    req.on('data', (chunk: Buffer) => {
      rec.bytesIn += chunk.length;
      if (!call.write(chunk)) {
        req.pause();
        call.onDrain(() => req.resume());
      }
    });
    req.once('end', () => call.end());
  }
}

/**
 * Carries on, as `runUpstreamExchange` would, an exchange whose request the fast lane has sent:
 * `adopt` makes the call over the lane's connection from the events; the bytes the upstream has
 * sent so far are then fed to it.
 */
export function carryOnUpstreamExchange(
  ctx: GatewayContext,
  x: ResponseSide,
  o: { adopt(events: CallOptions['events']): UpstreamCall; received: Buffer; stopped: string | undefined },
): void {
  const half = responseHalf(ctx, x);
  const call = o.adopt(half.events);
  half.attach(call);
  call.adopt(o.received, o.stopped);
}
