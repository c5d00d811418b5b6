/**
 * The head of an HTTP/1.x request (RFC 9112 §3, §5, §6, §9.3): request line, header fields,
 * and what they mean for framing and the connection. Pure and strict: anything two parsers
 * could read differently (the root of request smuggling) is refused with the status to answer.
 */

import { METHODS } from 'node:http';
import { splitFieldLine } from './message-head.js';

export type RequestErrorStatus = 400 | 408 | 413 | 414 | 431 | 505;

export class RequestProtocolError extends Error {
  readonly status: RequestErrorStatus;

  constructor(status: RequestErrorStatus, message: string) {
    super(message);
    this.name = 'RequestProtocolError';
    this.status = status;
  }
}

export interface RequestHead {
  /** A token, as sent (case-sensitive). */
  method: string;
  /** As sent: origin-form, absolute-form, authority-form (CONNECT) or `*` (OPTIONS). */
  target: string;
  versionMinor: 0 | 1;
  /** `[name, value, name, value, …]` as received, values without surrounding SP/HTAB. */
  rawHeaders: string[];
  /** The single Host value, or null when absent (allowed on HTTP/1.0 only). */
  host: string | null;
  keepAlive: boolean;
  body: { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' };
  /** Connection lists `upgrade` and an Upgrade header is present (never on HTTP/1.0). */
  upgrade: boolean;
  /** `Expect: 100-continue` (ignored on HTTP/1.0, RFC 9110 §10.1.1). */
  expectContinue: boolean;
}

export function fail(status: RequestErrorStatus, why: string): never {
  throw new RequestProtocolError(status, `invalid request: ${why}`);
}

// All of these are anchored and built from disjoint classes, so they cannot backtrack badly.
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([^\x00-\x20\x7f]+) HTTP\/(\d)\.(\d)$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]+):\d{1,5}$/;
const LENGTH = /^\d{1,15}$/;
// The methods Node's own parser (llhttp) takes, case-sensitive: the Node TLS transport refuses
// any other, and so do the servers behind most upstreams, so this one does too.
const KNOWN_METHODS = new Set(METHODS);
// An unfinished line may also be the HTTP/2 preface (PRI * HTTP/2.0), answered 505 once complete.
const LINE_METHODS = new Set([...METHODS, 'PRI']);
const METHOD_PREFIXES = new Set([...LINE_METHODS].flatMap((m) => Array.from({ length: m.length }, (_, i) => m.slice(0, i + 1))));
// What an unfinished request line may hold: a method, a target, a version; no controls.
const LINE_SO_FAR = /^[^\x00-\x1f\x7f]*\r?$/;

/** One `name: value` line of the head or of a chunked trailer section. */
export function parseFieldLine(line: string): [name: string, value: string] {
  const field = splitFieldLine(line);
  return typeof field === 'string' ? fail(400, field) : field;
}

function checkTarget(method: string, target: string): void {
  if (method === 'CONNECT') {
    if (!AUTHORITY.test(target)) fail(400, 'CONNECT needs a host:port target');
  } else if (target === '*') {
    if (method !== 'OPTIONS') fail(400, 'the "*" target is only for OPTIONS');
  } else if (target.includes('#')) {
    fail(400, 'a fragment in the request target');
  } else if (target.charCodeAt(0) !== 47 && !SCHEME.test(target)) {
    fail(400, 'the request target is neither a path nor an absolute URI');
  }
}

interface Fields {
  host: string | null;
  length: number | null;
  chunked: boolean;
  close: boolean;
  keepAlive: boolean;
  upgradeToken: boolean;
  upgradeHeader: boolean;
  expectContinue: boolean;
}

function noteField(f: Fields, name: string, value: string): void {
  switch (name.toLowerCase()) {
    case 'host':
      if (f.host !== null) fail(400, 'more than one Host header');
      f.host = value;
      break;
    case 'content-length':
      if (f.length !== null) fail(400, 'more than one Content-Length header');
      if (!LENGTH.test(value)) fail(400, 'Content-Length is not a plain number');
      f.length = Number(value);
      break;
    case 'transfer-encoding':
      // Only a single, bare `chunked`: any other coding or list would be framed differently
      // by some hop (RFC 9112 §6.1), and we re-frame the body ourselves.
      if (f.chunked) fail(400, 'more than one Transfer-Encoding header');
      if (value.toLowerCase() !== 'chunked') fail(400, 'Transfer-Encoding other than chunked');
      f.chunked = true;
      break;
    case 'connection':
      for (const item of value.split(',')) {
        const option = item.trim().toLowerCase();
        if (option === 'close') f.close = true;
        else if (option === 'keep-alive') f.keepAlive = true;
        else if (option === 'upgrade') f.upgradeToken = true;
      }
      break;
    case 'upgrade':
      f.upgradeHeader = true;
      break;
    case 'expect':
      if (value.toLowerCase() === '100-continue') f.expectContinue = true;
      break;
  }
}

/** The request line: method, target and version, each checked. */
export function parseRequestLine(line: string): { method: string; target: string; http10: boolean } {
  const m = REQUEST_LINE.exec(line);
  if (!m) fail(400, 'bad request line');
  const method = m[1] ?? '';
  const target = m[2] ?? '';
  if (m[3] !== '1' || (m[4] !== '0' && m[4] !== '1')) fail(505, `HTTP/${m[3]}.${m[4]} is not supported`);
  if (!KNOWN_METHODS.has(method)) fail(400, `unknown method ${method.slice(0, 32)}`);
  checkTarget(method, target);
  return { method, target, http10: m[4] === '0' };
}

/**
 * Refuses the start of a request line that no more bytes could make valid (an unknown method,
 * a control character), as llhttp does, rather than waiting for the whole head to arrive.
 */
export function checkRequestLineStart(start: string): void {
  const space = start.indexOf(' ');
  const method = space < 0 ? start.replace(/\r$/, '') : start.slice(0, space);
  const known = space < 0 ? method === '' || METHOD_PREFIXES.has(method) : LINE_METHODS.has(method);
  if (!known || !LINE_SO_FAR.test(start)) fail(400, 'bad request line');
}

/** Parses the head text (latin1, without its final CRLFCRLF). */
export function parseRequestHead(text: string): RequestHead {
  const lines = text.split('\r\n');
  const { method, target, http10 } = parseRequestLine(lines[0] ?? '');
  const f: Fields = {
    host: null,
    length: null,
    chunked: false,
    close: false,
    keepAlive: false,
    upgradeToken: false,
    upgradeHeader: false,
    expectContinue: false,
  };
  const rawHeaders: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const [name, value] = parseFieldLine(lines[i] ?? '');
    rawHeaders.push(name, value);
    noteField(f, name, value);
  }
  if (!http10 && f.host === null) fail(400, 'no Host header');
  if (f.chunked && f.length !== null) fail(400, 'both Content-Length and Transfer-Encoding');
  if (f.chunked && http10) fail(400, 'Transfer-Encoding in an HTTP/1.0 request');
  return {
    method,
    target,
    versionMinor: http10 ? 0 : 1,
    rawHeaders,
    host: f.host,
    keepAlive: !f.close && (!http10 || f.keepAlive),
    body: f.chunked ? { kind: 'chunked' } : f.length !== null ? { kind: 'length', length: f.length } : { kind: 'none' },
    upgrade: !http10 && f.upgradeToken && f.upgradeHeader,
    expectContinue: !http10 && f.expectContinue,
  };
}
