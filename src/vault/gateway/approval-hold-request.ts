import { createHash } from 'node:crypto';
import { cutText } from '../../common/cut-text.js';
import type { IncomingHttpHeaders } from 'node:http';
import { PREVIEW_LIMIT } from '../model/approvals.js';
import { PLACEHOLDER } from '../../common/placeholder.js';
import { barePath, canonicalPath } from '../inject/path-readings.js';
import { EchoScanner, type EchoForms } from './echo-scanner.js';

/** What an approver is shown of a held request, and what the decision binds to. Pure. */

// Headers that carry a credential (the agent's token, the placeholder or a real one) or a session.
const HIDDEN = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-goog-api-key']);

/**
 * The request headers an approver may see: every credential-carrying header removed, and any
 * header whose value holds the placeholder or something the redactor knows as secret.
 */
export function approvalHeaders(
  headers: IncomingHttpHeaders,
  o: { redact: (text: string) => string; hide?: readonly string[] },
): Record<string, string> {
  const hide = new Set([...HIDDEN, ...(o.hide ?? []).map((n) => n.toLowerCase())]);
  // No prototype: a header named `__proto__` or `constructor` is shown like any other.
  const out = Object.create(null) as Record<string, string>;
  for (const name in headers) {
    const raw = headers[name];
    if (raw === undefined || hide.has(name)) continue;
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    if (value.toLowerCase().includes(PLACEHOLDER) || o.redact(value) !== value) continue;
    out[name] = value;
  }
  return out;
}

/**
 * The target an approver is shown: the path normalised (dot segments resolved, `//` collapsed;
 * encodings kept as sent) and the query with every value that holds a secret (or the
 * placeholder, or sits in the injected parameter `hide`) replaced by [REDACTED].
 */
export function approvalTarget(target: string, o: { redact: (text: string) => string; hide?: readonly string[] }): string {
  const noHash = target.split('#', 1)[0] ?? '';
  const q = noHash.indexOf('?');
  const path = canonicalPath(barePath(noHash));
  if (q < 0) return path;
  const hide = new Set(o.hide ?? []);
  const pairs = noHash.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return o.redact(pair) === pair ? pair : '[REDACTED]';
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    let decoded = value;
    try {
      decoded = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      // Not valid percent-encoding: judged as sent.
    }
    const secret =
      hide.has(name) || [value, decoded].some((v) => v.toLowerCase().includes(PLACEHOLDER) || o.redact(v) !== v);
    return `${o.redact(name)}=${secret ? '[REDACTED]' : value}`;
  });
  return `${path}?${pairs.join('&')}`;
}

/** How much of the body the approver sees, and how much goes unseen (null: unknown, a chunked body still coming). */
export function bodyExtent(body: { bytes: Buffer; complete: boolean }, declared: string): { seen: number; unseen: number | null } {
  const seen = Math.min(body.bytes.length, PREVIEW_LIMIT);
  if (declared !== 'chunked') return { seen, unseen: Math.max(0, Number(declared) - seen) };
  return { seen, unseen: body.complete ? body.bytes.length - seen : null };
}

/** The body length the request declares: its content-length, "chunked", or "0" for none. */
export function declaredLength(headers: IncomingHttpHeaders): string {
  if (headers['transfer-encoding'] !== undefined) return 'chunked';
  return headers['content-length'] ?? '0';
}

/** Whether the request has a body to preview at all. */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  const declared = declaredLength(headers);
  return declared !== '0';
}

/**
 * SHA-256 hex binding a decision to one request: method, host, the whole target (with query), the
 * declared length and the bytes shown. Fields are newline-separated; none can hold a newline.
 */
export function approvalDigest(o: { method: string; host: string; path: string; declared: string; preview: Buffer }): string {
  return createHash('sha256')
    .update(`${o.method}\n${o.host}\n${o.path}\n${o.declared}\n`)
    .update(o.preview)
    .digest('hex');
}

// C0 controls other than tab, LF, CR, plus DEL: a body holding them is not text for a person.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** `bytes` as text, or null when it is not UTF-8 text; an incomplete last character is dropped when `partial`. */
function asText(bytes: Buffer, partial: boolean): string | null {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: partial });
    return CONTROL.test(text) ? null : text;
  } catch {
    return null;
  }
}

export interface PreviewInput {
  /** The first bytes of the body (at most PREVIEW_LIMIT are shown). */
  bytes: Buffer;
  /** True when `bytes` is the whole body. */
  complete: boolean;
  contentEncoding?: string | undefined;
  /** Removes every secret the process knows (the logger's redactor). */
  redact: (text: string) => string;
  /** Wire forms of the secrets that could be injected here: also cut where one may start at the end. */
  forms: EchoForms | null;
}

/**
 * The body text shown to an approver: at most PREVIEW_LIMIT bytes, secrets replaced, binary
 * summarised. How much goes unseen is not said here but by the card (Approval.bodyUnseen), so no
 * later cut of this text can drop it.
 */
export function bodyPreview(p: PreviewInput): string {
  const whole = p.complete && p.bytes.length <= PREVIEW_LIMIT;
  let bytes = p.bytes.subarray(0, PREVIEW_LIMIT);
  const encoding = p.contentEncoding?.trim().toLowerCase();
  const text = encoding && encoding !== 'identity' ? null : asText(bytes, !whole);
  if (text === null) return `[binary, ${bytes.length} bytes${encoding && encoding !== 'identity' ? `, ${encoding}` : ''}]`;
  if (p.forms && p.forms.bytes.length > 0) {
    // A value cut off by the preview limit would escape the redactor: drop any tail that may begin one.
    const scanner = new EchoScanner(p.forms, { marker: true });
    const parts: Buffer[] = [];
    scanner.feed(bytes, (b) => parts.push(b));
    if (whole) scanner.end((b) => parts.push(b));
    bytes = Buffer.concat(parts);
  }
  // Redaction can lengthen the text; a cut is marked, never silent.
  return cutText(p.redact(asText(bytes, !whole) ?? text), PREVIEW_LIMIT);
}
