import { serviceForHost } from './known-hosts.js';
import { gitRefusal } from './git-refusal.js';

/**
 * A gateway refusal in the shape the refused client shows to a person. Clients print their own
 * protocol's errors and little else: git an `ERR` packet line, the OpenAI SDK (and the
 * OpenAI-compatible APIs it is pointed at) only the `message` of an `error` object. Without
 * these, the reason and the connect URL never reach the person.
 */

export interface RefusalText {
  status: number;
  /** `app_not_connected`, … */
  error: string;
  code: string;
  /** Already carrying the connect URL when there is one. */
  message: string;
  extra?: Record<string, string>;
}

export interface ShapedRefusal {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** The OpenAI error shape: `error` an object with `message`, `type` and `code`; the usual fields beside it. */
function openAiShaped(r: RefusalText): ShapedRefusal {
  const body = Buffer.from(JSON.stringify({ error: { message: r.message, type: r.error, code: r.code, ...r.extra }, code: r.code, message: r.message, ...r.extra }));
  return {
    status: r.status,
    headers: { 'content-type': 'application/json', 'content-length': String(body.length), 'x-should-retry': 'false' },
    body,
  };
}

/** The refusal shaped for the client of a request to `host` + `path`, or null when the usual JSON body serves. Pure. */
export function clientRefusal(o: { host: string; path: string; refusal: RefusalText }): ShapedRefusal | null {
  const git = gitRefusal(o.path, o.refusal.message);
  if (git) return git;
  return serviceForHost(o.host)?.errorShape === 'openai' ? openAiShaped(o.refusal) : null;
}
