import type { Transform } from 'node:stream';
import { decoderFor, redactHeaderList, redactText } from './echo-redactor.js';
import { EchoScanner, type EchoForms } from './echo-scanner.js';
import { clientResponseHeaderList, headerOf, withoutHeaders } from './forward-headers.js';
import { badGateway, type GatewayError } from './gateway-errors.js';

/** How an upstream response goes back to the agent: its head, and whether its body is decoded and scanned. */
export interface ResponsePlan {
  /** Flat `[name, value, …]` list for `writeHead`. */
  headers: string[];
  statusMessage: string;
  /** The head echoed an injected value (it has been redacted). */
  echoed: boolean;
  /** Set when the body must be scanned for echoes of the injected value. */
  scanner: EchoScanner | null;
  /** Set when the body must be decoded first (gzip, deflate, br) to be scanned. */
  decoder: Transform | null;
  /** Set when the response must not reach the agent: it gets this gateway error instead, and the audit row the reason. */
  refused: { error: GatewayError; reason: string } | null;
}

/**
 * The content codings the gateway decodes to scan a body: what injected requests accept
 * (`Accept-Encoding` is rewritten to this on every path, so an upstream that honours it never
 * sends anything else).
 */
export const DECODED_CODINGS = 'gzip, deflate, br';

function bodyAllowed(method: string, status: number): boolean {
  return method !== 'HEAD' && status !== 204 && status !== 304 && status >= 200;
}

function unscannable(what: string, reason: string): { error: GatewayError; reason: string } {
  return {
    error: badGateway(
      `the upstream answered in ${what}, which the gateway cannot decode to check the body for the injected credential; ` +
        `requests that carry a credential accept ${DECODED_CODINGS} or identity only`,
    ),
    reason,
  };
}

/**
 * Decides from the response head alone, straight from its raw headers. A response to a request
 * that carried a value is fail-closed: its head is redacted (fields and reason phrase), and its
 * body, whatever its type, is decoded and scanned (echoes overwritten at equal length, so an
 * identity body keeps its Content-Length), or the agent gets a 502 instead of bytes the gateway
 * cannot read (a coding it does not decode, stacked codings, a transfer coding but chunked).
 * The fast lane serves only the identity case itself and hands every other one to this plan.
 */
export function planResponse(o: {
  method: string;
  status: number;
  statusMessage: string;
  rawHeaders: readonly string[];
  injected: EchoForms | null;
}): ResponsePlan {
  const headers = clientResponseHeaderList(o.rawHeaders);
  const plan: ResponsePlan = { headers, statusMessage: o.statusMessage, echoed: false, scanner: null, decoder: null, refused: null };
  if (o.injected === null) return plan;
  const redacted = redactHeaderList(headers, o.injected);
  plan.headers = redacted.headers;
  plan.statusMessage = redactText(o.statusMessage, o.injected);
  plan.echoed = redacted.redacted || plan.statusMessage !== o.statusMessage;
  if (!bodyAllowed(o.method, o.status)) return plan;
  const transfer = headerOf(o.rawHeaders, 'transfer-encoding', { join: true });
  if (transfer !== undefined && transfer.split(',').some((t) => t.trim().toLowerCase() !== 'chunked')) {
    plan.refused = unscannable('a transfer coding other than chunked', 'unsupported_transfer_coding');
    return plan;
  }
  // The redacted list: the coding's name is put in the error, and an upstream could echo there too.
  const coding = headerOf(plan.headers, 'content-encoding', { join: true });
  const decoder = decoderFor(coding);
  if (decoder === undefined) {
    plan.refused = unscannable(`content coding "${coding ?? ''}"`, 'unsupported_encoding');
    return plan;
  }
  // The scanner keeps a body's length (echoes overwritten at equal length), so an identity body
  // keeps its Content-Length and framing. A compressed one is sent decoded (the scanner can only
  // see plain bytes, and identity is always an acceptable coding), at a length not known yet.
  // A Content-Length the head redaction changed (a value of digits) is not a length any more,
  // and one beside Transfer-Encoding never was.
  const length = headerOf(plan.headers, 'content-length', { join: true });
  const lengthKept =
    decoder === null && transfer === undefined && length !== undefined && length === headerOf(headers, 'content-length', { join: true });
  if (decoder) plan.headers = withoutHeaders(plan.headers, ['content-length', 'content-encoding']);
  else if (!lengthKept) plan.headers = withoutHeaders(plan.headers, ['content-length']);
  plan.decoder = decoder;
  plan.scanner = new EchoScanner(o.injected);
  return plan;
}
