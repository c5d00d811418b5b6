import type { IncomingMessage, RequestOptions } from 'node:http';
import { nodeHttp } from '../common/node-http.js';

/** What the client reads of an answer: status and the whole body. */
export interface HttpAnswer {
  ok: boolean;
  status: number;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface HttpSend {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** For the whole exchange, body included. */
  timeoutMs: number;
}

/**
 * One HTTP(S) request over node:http, the body read in full. Not `fetch`: loading undici costs a
 * short command like `ncl launch` tens of milliseconds of CPU. Rejects with the socket's error,
 * or a timeout error naming the limit.
 */
export async function httpSend(url: string, o: HttpSend): Promise<HttpAnswer> {
  const target = new URL(url);
  // node:https (and TLS) only for an https vault: a remote one.
  const request = target.protocol === 'https:' ? (await import('node:https')).request : nodeHttp().request;
  const options: RequestOptions = { method: o.method, headers: o.body === undefined ? o.headers : { ...o.headers, 'content-length': String(Buffer.byteLength(o.body)) } };
  const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(target, options, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(o.body);
  });
  return {
    ok: body.status >= 200 && body.status < 300,
    status: body.status,
    text: () => Promise.resolve(body.text),
    json: () => Promise.resolve().then(() => JSON.parse(body.text) as unknown),
  };
}
