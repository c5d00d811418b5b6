import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { AgentResponse } from './agent-exchange.js';
import type { Readable } from 'node:stream';
import type { RequestRecord } from './audit-recorder.js';
import type { EchoScanner, EchoForms } from './echo-scanner.js';
import { answeredNotConnected, ExchangeOutcome } from './exchange-outcome.js';
import { planResponse } from './response-plan.js';
import { sendGatewayError } from './gateway-errors.js';
import type { GatewayContext } from './gateway-context.js';

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  upReq: ClientRequest;
  rec: RequestRecord;
  /** Forms of the value injected into this request, whose echoes are redacted; null when none was. */
  injected: EchoForms | null;
  /** Set on TLS-terminated hosts: a 401/403 with nothing injected becomes `app_not_connected`. */
  notConnectedHost: string | null;
}

/**
 * Copies `src` to `res` through the echo scanner with backpressure: the same as pipe(), minus
 * a Transform stream per response. A chunk without an echo is written as the same buffer.
 */
export function pumpScanned(src: Readable, res: AgentResponse, scanner: EchoScanner, rec: RequestRecord): void {
  let ok = true;
  const write = (b: Buffer): void => {
    rec.bytesOut += b.length;
    ok = res.write(b) && ok;
  };
  src.on('data', (chunk: Buffer) => {
    ok = true;
    scanner.feed(chunk, write);
    if (!ok) {
      src.pause();
      res.once('drain', () => src.resume());
    }
  });
  src.once('end', () => {
    scanner.end(write);
    res.end();
  });
}

/**
 * Streams one request to the upstream and its response back, with backpressure both ways
 * (never buffering a body), and writes the audit row when the agent's response closes.
 */
export function runExchange(ctx: GatewayContext, x: Exchange): void {
  const { req, res, upReq, rec } = x;
  const outcome = new ExchangeOutcome(res, rec);

  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
    req.pipe(upReq);
    req.on('data', (chunk: Buffer) => {
      rec.bytesIn += chunk.length;
    });
  } else {
    // No body: send the request at once rather than a tick later when pipe() sees the end.
    req.resume();
    upReq.end();
  }

  upReq.on('error', (err) => outcome.upstreamFailed(err));
  outcome.auditOnClose(ctx, () => upReq.destroy());

  upReq.on('response', (upRes) => {
    const status = upRes.statusCode ?? 502;
    rec.status = status;
    if (answeredNotConnected(ctx, x, status)) {
      upRes.resume();
      return;
    }
    const plan = planResponse({ method: rec.method, status, statusMessage: upRes.statusMessage ?? '', rawHeaders: upRes.rawHeaders, injected: x.injected });
    if (plan.refused) {
      rec.status = plan.refused.error.status;
      rec.reason = plan.refused.reason;
      upRes.resume();
      sendGatewayError(res, plan.refused.error);
      return;
    }
    let body: Readable = upRes;
    upRes.on('error', () => res.destroy());
    upRes.on('aborted', () => res.destroy());
    outcome.echoed = plan.echoed;
    const scanner = (outcome.scanner = plan.scanner);
    if (plan.decoder) {
      plan.decoder.on('error', () => res.destroy());
      body = upRes.pipe(plan.decoder);
    }
    const headers = plan.headers;
    res.writeHead(status, plan.statusMessage, headers);
    if (scanner) {
      pumpScanned(body, res, scanner, rec);
      return;
    }
    body.on('data', (chunk: Buffer) => {
      rec.bytesOut += chunk.length;
    });
    body.pipe(res);
  });
}
