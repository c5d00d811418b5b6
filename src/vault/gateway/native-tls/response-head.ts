import type { OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';
import { flattenHeaders, messageHead } from '../message-head.js';

/** How a response's body is delimited on the agent's connection, and its final header list. */
export interface Framing {
  body: 'none' | 'length' | 'chunked' | 'close';
  /** Close the connection after this response. */
  close: boolean;
  /** Flat `[name, value, …]`, framing headers included. */
  headers: string[];
}

/**
 * Decides the framing of a response (RFC 9112 §6.3) from the request and the headers given:
 * no body for HEAD, 1xx, 204 and 304; the given Content-Length; else chunked on HTTP/1.1, or
 * delimited by closing the connection on HTTP/1.0. Pure.
 */
export function responseFraming(o: {
  method: string;
  status: number;
  versionMinor: number;
  keepAlive: boolean;
  headers: OutgoingHttpHeaders | readonly OutgoingHttpHeader[];
}): Framing {
  const headers = flattenHeaders(o.headers);
  let length = false;
  let chunked = false;
  let close = !o.keepAlive;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase();
    const value = headers[i + 1]!;
    if (name === 'content-length') length = true;
    else if (name === 'transfer-encoding') chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
    else if (name === 'connection' && /(?:^|,)\s*close\s*(?:,|$)/i.test(value)) close = true;
  }
  const bodyless = o.method === 'HEAD' || o.status < 200 || o.status === 204 || o.status === 304;
  let body: Framing['body'];
  if (bodyless) body = 'none';
  else if (chunked) body = 'chunked';
  else if (length) body = 'length';
  else if (o.versionMinor >= 1) {
    body = 'chunked';
    headers.push('transfer-encoding', 'chunked');
  } else {
    body = 'close';
    close = true;
  }
  if (close && !headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'connection')) headers.push('connection', 'close');
  return { body, close, headers };
}

/** The status line and headers; throws on a header no HTTP/1.1 message may carry. */
export function serializeHead(status: number, message: string, headers: readonly string[]): string {
  return messageHead(`HTTP/1.1 ${status} ${message.replace(/[\r\n]/g, ' ')}`, headers);
}
