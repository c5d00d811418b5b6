import type { OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';

/**
 * What the gateway's request and response sides share about HTTP/1.1 messages: the field-line
 * rules, writing a head from a flat header list, and passing body bytes on without copying. Pure.
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible characters, obs-text, space and tab (RFC 9110 §5.5); no CR, LF, NUL.
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

function isWhitespace(code: number): boolean {
  return code === 32 || code === 9;
}

/**
 * A received `name: value` line (of a head or a chunked trailer section) split at its colon,
 * the value without surrounding SP/HTAB; or what is wrong with it. A space before the colon or
 * a folded line is wrong (RFC 9112 §5.1-5.2): some parsers drop it, others keep it.
 */
export function splitFieldLine(line: string): [name: string, value: string] | string {
  if (isWhitespace(line.charCodeAt(0))) return 'obsolete line folding';
  const colon = line.indexOf(':');
  const name = colon > 0 ? line.slice(0, colon) : '';
  if (!TOKEN.test(name)) return 'bad header field name';
  let start = colon + 1;
  let end = line.length;
  while (start < end && isWhitespace(line.charCodeAt(start))) start++;
  while (end > start && isWhitespace(line.charCodeAt(end - 1))) end--;
  const value = line.slice(start, end);
  if (BAD_VALUE.test(value)) return `bad character in header ${name}`;
  return [name, value];
}

/** `start`, the headers and the blank line; throws on a header no HTTP/1.1 message may carry. */
export function messageHead(start: string, headers: readonly string[]): string {
  let head = `${start}\r\n`;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] ?? '';
    const value = headers[i + 1] ?? '';
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name.slice(0, 40))}`);
    if (BAD_VALUE.test(value)) throw new TypeError(`invalid characters in header ${name}`);
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}

/** A header map, or a list, as the flat `[name, value, …]` list heads are written from. */
export function flattenHeaders(headers: OutgoingHttpHeaders | readonly OutgoingHttpHeader[]): string[] {
  const out: string[] = [];
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) out.push(String(headers[i]), String(headers[i + 1]));
    return out;
  }
  for (const name in headers) {
    const value = (headers as OutgoingHttpHeaders)[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.push(name, v);
    else out.push(name, String(value));
  }
  return out;
}

/** Hands `to.body` up to `remaining` body bytes of `buf` from `pos` (the buffer itself when that is all of it); returns how many. */
export function passBody(buf: Buffer, pos: number, remaining: number, to: { body(chunk: Buffer): void }): number {
  const n = Math.min(remaining, buf.length - pos);
  to.body(pos === 0 && n === buf.length ? buf : buf.subarray(pos, pos + n));
  return n;
}
