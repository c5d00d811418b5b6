import { brotliCompressSync, deflateSync, gzipSync, zstdCompressSync } from 'node:zlib';
import { mostly, pick } from '../support/seeded-random.js';

/**
 * Random responses to an injected request for gateway-echo-generated.test.ts: every way an
 * upstream could hand the value back (forms, codings, types, framing, splits, status lines), and
 * the oracle that says whether an agent's bytes hold the value in any form.
 */

/** Codings an upstream may answer in: the gateway decodes the first five (and identity), refuses the rest. */
export const CODINGS = [null, 'gzip', 'deflate', 'br', 'x-gzip', 'identity', 'GZIP', 'zstd', 'x-custom', 'gzip, br', 'compress'] as const;
export const DECODED = new Set<string | null>([null, 'gzip', 'deflate', 'br', 'x-gzip', 'identity', 'GZIP']);
const TYPES = [null, 'application/json', 'text/plain', 'application/octet-stream', 'image/png', 'text/event-stream', 'application/x-thing'];
const STATUSES = [200, 201, 204, 304, 400, 401, 403, 404, 500, 503];

export interface EchoCase {
  method: 'GET' | 'HEAD';
  /** The agent sends the placeholder inside a Basic pair: the gateway rebuilds the pair around the value. */
  basic: boolean;
  status: number;
  /** `echo` stands for an echo form in the reason phrase. */
  reason: 'OK' | '' | 'Custom Reason' | 'echo';
  contentType: string | null;
  coding: (typeof CODINGS)[number];
  /** Transfer-Encoding `gzip, chunked`: a coding the agent would get raw if the gateway only de-chunked. */
  transferGzip: boolean;
  framing: 'length' | 'chunked' | 'close';
  headerEcho: boolean;
  /** A WebSocket upgrade, answered with 101 and frames (`status` 101), or without 101 as any other response. */
  upgrade: boolean;
  /** Seeds the body, the forms and the split points when the request arrives. */
  seed: number;
}

export function randomCase(r: () => number): EchoCase {
  const upgrade = r() < 0.12;
  return {
    upgrade,
    method: r() < 0.1 ? 'HEAD' : 'GET',
    basic: r() < 0.25,
    status: upgrade && r() < 0.7 ? 101 : mostly(r, STATUSES),
    reason: pick(r, ['OK', '', 'Custom Reason', 'echo', 'echo'] as const),
    contentType: pick(r, TYPES),
    coding: r() < 0.4 ? null : pick(r, CODINGS),
    transferGzip: r() < 0.08,
    framing: pick(r, ['length', 'chunked', 'close'] as const),
    headerEcho: r() < 0.3,
    seed: Math.floor(r() * 2 ** 31),
  };
}

const randomBytes = (r: () => number, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));

/** The forms an upstream might echo `value` in, given the exact auth field it received (latin1 bytes). */
export function echoesOf(r: () => number, value: string, field: Buffer): Buffer[] {
  const raw = [Buffer.from(value, 'utf8'), Buffer.from(value, 'latin1')];
  const out = [...raw, field, Buffer.from(Buffer.from(`x:${value}`).toString('base64')), Buffer.from(encodeURIComponent(value))];
  const token = /^\S+ (\S+)$/.exec(field.toString('latin1'))?.[1];
  if (token) out.push(Buffer.from(token, 'latin1'));
  for (const s of raw) {
    for (const enc of ['base64', 'base64url'] as const) {
      const around = Buffer.concat([randomBytes(r, Math.floor(r() * 5)), s, randomBytes(r, Math.floor(r() * 5))]);
      out.push(Buffer.from(around.toString(enc)));
    }
  }
  return out;
}

/** Every needle that must never reach the agent: raw (UTF-8, latin1), base64 at every alignment, `x:`+value, URL-encoded, the sent field. */
export function needlesOf(value: string, fields: readonly Buffer[]): Buffer[] {
  const needles: Buffer[] = [Buffer.from(Buffer.from(`x:${value}`).toString('base64')), Buffer.from(encodeURIComponent(value)), ...fields];
  for (const s of [Buffer.from(value, 'utf8'), Buffer.from(value, 'latin1')]) {
    needles.push(s);
    for (const enc of ['base64', 'base64url'] as const) {
      for (let k = 0; k < 3; k++) {
        const text = Buffer.concat([Buffer.alloc(k), s]).toString(enc);
        needles.push(Buffer.from(text.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + s.length)) / 6))));
      }
    }
  }
  return needles;
}

function encode(coding: EchoCase['coding'], body: Buffer): Buffer {
  switch (coding?.toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return gzipSync(body);
    case 'deflate':
      return deflateSync(body);
    case 'br':
      return brotliCompressSync(body);
    case 'zstd':
      return zstdCompressSync(body);
    case 'gzip, br':
      return brotliCompressSync(gzipSync(body));
    default:
      return body;
  }
}

/** A small generator of its own per case, so the upstream's answer does not depend on arrival order. */
function caseRandom(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** One RFC 6455 frame, masked with 4 random bytes or not. */
function wsFrame(r: () => number, opcode: number, fin: boolean, payload: Buffer): Buffer {
  const n = payload.length;
  const masked = r() < 0.3;
  const len = n < 126 ? Buffer.from([n]) : Buffer.from([126, n >> 8, n & 255]);
  len[0]! |= masked ? 0x80 : 0;
  const mask = masked ? randomBytes(r, 4) : Buffer.alloc(0);
  const body = masked ? Buffer.from(payload.map((b, i) => b ^ mask[i & 3]!)) : payload;
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode]), len, mask, body]);
}

/** Splits `whole` at up to three random points. */
function split(r: () => number, whole: Buffer): Buffer[] {
  const cuts = Array.from({ length: Math.floor(r() * 4) }, () => Math.floor(r() * whole.length)).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, whole.length]) {
    pieces.push(whole.subarray(at, cut));
    at = cut;
  }
  return pieces.filter((p) => p.length > 0);
}

/** A 101 and messages holding echoes: fragmented, masked or not, pings between fragments, a close. */
function switchedFor(r: () => number, forms: Buffer[]): Buffer[] {
  const parts: Buffer[] = [Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')];
  for (let m = 1 + Math.floor(r() * 3); m > 0; m--) {
    const message = Buffer.concat([Buffer.from('{"echo":"'), pick(r, forms), Buffer.from('","n":'), randomBytes(r, Math.floor(r() * 30))]);
    const cut = Math.floor(r() * message.length);
    const pieces = r() < 0.5 ? [message] : [message.subarray(0, cut), message.subarray(cut)];
    pieces.forEach((p, i) => {
      parts.push(wsFrame(r, i === 0 ? pick(r, [1, 2]) : 0, i === pieces.length - 1, p));
      if (r() < 0.3) parts.push(wsFrame(r, 9, true, pick(r, forms).subarray(0, 120)));
    });
  }
  parts.push(wsFrame(r, 8, true, Buffer.from([3, 232])));
  return split(r, Buffer.concat(parts));
}

/** The response's bytes, in the pieces the upstream writes them in. */
export function responseFor(c: EchoCase, value: string, field: Buffer): Buffer[] {
  const r = caseRandom(c.seed);
  const forms = echoesOf(r, value, field);
  if (c.upgrade && c.status === 101) return switchedFor(r, forms);
  const parts: Buffer[] = [];
  for (let i = Math.floor(r() * 6); i >= 0; i--) {
    parts.push(pick(r, [Buffer.from('{"a":1,"b":"'), Buffer.from('lorem ipsum '), randomBytes(r, Math.floor(r() * 40)), Buffer.from('\n')]));
    if (r() < 0.6) parts.push(pick(r, forms));
  }
  const printable = forms.filter((f) => f.every((b) => b >= 0x20 && b !== 0x7f));
  const reason = c.reason === 'echo' ? Buffer.concat([Buffer.from('Echo '), pick(r, printable)]) : Buffer.from(c.reason);
  let body = encode(c.coding, Buffer.concat(parts));
  if (c.transferGzip) body = gzipSync(body);
  const head: Buffer[] = [Buffer.from(`HTTP/1.1 ${c.status} `), reason, Buffer.from('\r\n')];
  const put = (name: string, v: string | Buffer): void => void head.push(Buffer.from(`${name}: `), Buffer.from(v), Buffer.from('\r\n'));
  if (c.contentType) put('Content-Type', c.contentType);
  if (c.coding) put('Content-Encoding', c.coding);
  if (c.headerEcho) put('X-Echo', Buffer.concat([Buffer.from('seen '), pick(r, printable)]));
  const hasBody = c.method !== 'HEAD' && c.status !== 204 && c.status !== 304;
  const chunked = c.framing === 'chunked' || c.transferGzip;
  if (chunked) put('Transfer-Encoding', c.transferGzip ? 'gzip, chunked' : 'chunked');
  else if (c.framing === 'length' || !hasBody) put('Content-Length', String(body.length));
  if (c.framing === 'close') put('Connection', 'close');
  head.push(Buffer.from('\r\n'));
  let payload = hasBody ? body : Buffer.alloc(0);
  if (hasBody && chunked) {
    const cut = Math.floor(r() * payload.length);
    const chunk = (b: Buffer): Buffer => (b.length === 0 ? b : Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]));
    payload = Buffer.concat([chunk(payload.subarray(0, cut)), chunk(payload.subarray(cut)), Buffer.from('0\r\n\r\n')]);
  }
  // Now and then the head goes alone, so the body's first piece is read on its own (the lane
  // passes pieces without a form straight from its read buffer).
  if (r() < 0.3) return [Buffer.concat(head), ...split(r, payload)];
  return split(r, Buffer.concat([...head, payload]));
}

/** The payloads an agent got after a 101: each message's fragments joined, and each control frame's, unmasked. */
export function framePayloads(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let message: Buffer[] = [];
  for (let at = 0; at + 2 <= stream.length; ) {
    const masked = (stream[at + 1]! & 0x80) !== 0;
    let n = stream[at + 1]! & 0x7f;
    let p = at + 2;
    if (n === 126) [n, p] = [stream.readUInt16BE(p), p + 2];
    const mask = masked ? stream.subarray(p, p + 4) : null;
    if (mask) p += 4;
    const payload = Buffer.from(stream.subarray(p, p + n).map((b, i) => (mask ? b ^ mask[i & 3]! : b)));
    if (stream[at]! & 0x08) out.push(payload);
    else {
      message.push(payload);
      if (stream[at]! & 0x80) {
        out.push(Buffer.concat(message));
        message = [];
      }
    }
    at = p + n;
  }
  if (message.length > 0) out.push(Buffer.concat(message));
  return out;
}
