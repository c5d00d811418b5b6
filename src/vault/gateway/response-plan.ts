import type { Transform } from 'node:stream';
import { decoderFor, isTextContentType, redactHeaderList } from './echo-redactor.js';
import { EchoScanner, type EchoForms } from './echo-scanner.js';
import { clientResponseHeaderList, headerOf, withoutHeaders } from './forward-headers.js';

/** How an upstream response goes back to the agent: its headers, and whether its body is scanned. */
export interface ResponsePlan {
  /** Flat `[name, value, …]` list for `writeHead`. */
  headers: string[];
  /** A header echoed an injected value (it has been redacted). */
  echoed: boolean;
  /** Set when the body must be scanned for echoes of the injected value. */
  scanner: EchoScanner | null;
  /** Set when the body must be decoded first (gzip, deflate, br) to be scanned. */
  decoder: Transform | null;
}

function bodyAllowed(method: string, status: number): boolean {
  return method !== 'HEAD' && status !== 204 && status !== 304 && status >= 200;
}

/**
 * Decides from the response head alone, straight from its raw headers. Only a response to a
 * request that carried a value is scanned, and only a text body in a coding we can undo.
 */
export function planResponse(o: {
  method: string;
  status: number;
  rawHeaders: readonly string[];
  injected: EchoForms | null;
}): ResponsePlan {
  const headers = clientResponseHeaderList(o.rawHeaders);
  if (o.injected === null) return { headers, echoed: false, scanner: null, decoder: null };
  const redacted = redactHeaderList(headers, o.injected.text);
  const plan: ResponsePlan = { headers: redacted.headers, echoed: redacted.redacted, scanner: null, decoder: null };
  if (!bodyAllowed(o.method, o.status) || !isTextContentType(headerOf(o.rawHeaders, 'content-type'))) return plan;
  const decoder = decoderFor(headerOf(o.rawHeaders, 'content-encoding', { join: true }));
  if (decoder === undefined) return plan;
  // The body may change length, and a compressed one is sent decoded: the scanner can only
  // see plain text, and identity is always an acceptable coding.
  plan.headers = withoutHeaders(plan.headers, decoder ? ['content-length', 'content-encoding'] : ['content-length']);
  plan.decoder = decoder;
  plan.scanner = new EchoScanner(o.injected);
  return plan;
}
