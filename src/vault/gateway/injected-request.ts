import { echoForms, type EchoForms } from './echo-forms.js';
import type { HeaderMap } from './forward-headers.js';
import { DECODED_CODINGS } from './response-plan.js';

/**
 * What the gateway changes in a request it injects a value into, besides the value, so that the
 * answer is one it can scan: the codings it decodes only (RFC 9110 §12.5.3: without the field any
 * coding is acceptable), and no WebSocket extensions (permessage-deflate frames cannot be scanned).
 * The TypeScript path applies it to the headers it sends; the fast lane gets it in its decision.
 */
export const INJECTED_REQUEST = {
  set: [['accept-encoding', DECODED_CODINGS]] as const,
  drop: ['sec-websocket-extensions'] as const,
};

/** Applies `INJECTED_REQUEST` to the headers of an injected request, in place; the fields set go last, as the lane puts them. */
export function sealInjected(headers: HeaderMap): void {
  for (const name of INJECTED_REQUEST.drop) delete headers[name];
  for (const [name, value] of INJECTED_REQUEST.set) {
    delete headers[name];
    headers[name] = value;
  }
}

/**
 * The echo forms of an injected request: `base` (the value and its usual field), or, when the
 * injection rewrote other header values too (the placeholder inside a Basic pair), those values'
 * forms added: the exact bytes that were sent.
 */
export function sentForms(o: { value: string; base: EchoForms; before: HeaderMap; after: HeaderMap }): EchoForms {
  const fields: string[] = [];
  let added = false;
  for (const name in o.after) {
    const sent = [o.after[name] ?? []].flat();
    const had = [o.before[name] ?? []].flat();
    if (sent.length === had.length && sent.every((v, i) => v === had[i])) continue;
    for (const v of sent) {
      fields.push(v);
      added ||= !o.base.text.includes(Buffer.from(v, 'latin1').toString('latin1'));
    }
  }
  return added ? echoForms([o.value], fields) : o.base;
}
