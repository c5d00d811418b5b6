import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { PREVIEW_LIMIT } from '../approvals/approval-model.js';
import { PLACEHOLDER } from '../../config/known-services.js';
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
  const out: Record<string, string> = {};
  for (const name in headers) {
    const raw = headers[name];
    if (raw === undefined || hide.has(name)) continue;
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    if (value.toLowerCase().includes(PLACEHOLDER) || o.redact(value) !== value) continue;
    out[name] = value;
  }
  return out;
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
 * SHA-256 hex binding a decision to one request: method, host, path (with query), the declared
 * length and the previewed bytes. Fields are newline-separated; none can hold a newline.
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

/** Cuts `text` so that it is at most `limit` bytes in UTF-8, at a character boundary. */
function capBytes(text: string, limit: number): string {
  if (Buffer.byteLength(text) <= limit) return text;
  let out = '';
  let size = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (size + n > limit) break;
    out += ch;
    size += n;
  }
  return out;
}

export interface PreviewInput {
  /** The first bytes of the body (at most PREVIEW_LIMIT are shown). */
  bytes: Buffer;
  /** True when `bytes` is the whole body. */
  complete: boolean;
  declared: string;
  contentEncoding?: string | undefined;
  /** Removes every secret the process knows (the logger's redactor). */
  redact: (text: string) => string;
  /** Wire forms of the secrets that could be injected here: also cut where one may start at the end. */
  forms: EchoForms | null;
}

/** The body text shown to an approver: at most PREVIEW_LIMIT bytes, secrets replaced, binary summarised. */
export function bodyPreview(p: PreviewInput): string {
  const whole = p.complete && p.bytes.length <= PREVIEW_LIMIT;
  let bytes = p.bytes.subarray(0, PREVIEW_LIMIT);
  const seen = p.declared === 'chunked' ? `${whole ? '' : 'more than '}${bytes.length}` : p.declared;
  const encoding = p.contentEncoding?.trim().toLowerCase();
  const text = encoding && encoding !== 'identity' ? null : asText(bytes, !whole);
  if (text === null) return `[binary, ${seen} bytes]`;
  if (p.forms && p.forms.bytes.length > 0) {
    // A value cut off by the preview limit would escape the redactor: drop any tail that may begin one.
    const scanner = new EchoScanner(p.forms);
    const parts: Buffer[] = [];
    scanner.feed(bytes, (b) => parts.push(b));
    if (whole) scanner.end((b) => parts.push(b));
    bytes = Buffer.concat(parts);
  }
  const redacted = p.redact(asText(bytes, !whole) ?? text);
  if (whole) return capBytes(redacted, PREVIEW_LIMIT);
  const note = `\n[… ${seen} bytes in all]`;
  return capBytes(redacted, PREVIEW_LIMIT - Buffer.byteLength(note)) + note;
}
