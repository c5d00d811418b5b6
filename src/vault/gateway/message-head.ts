import type { OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';

/**
 * What the gateway's request and response sides share about HTTP/1.1 messages: writing a head
 * from a flat header list, and passing body bytes on without copying. Pure.
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

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
