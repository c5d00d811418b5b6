import type { IncomingMessage, ServerResponse } from 'node:http';
import { NanoclawError } from '../../common/errors.js';
import { MAX_BODY_BYTES } from './schemas.js';

/** Reads a whole request body up to `limit` bytes; throws `payload_too_large` (413) beyond it. */
export async function readBodyBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads a JSON body up to `limit` bytes; throws `payload_too_large` (413) or `invalid_json` (400). */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const body = await readBodyBytes(req, limit);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new NanoclawError('invalid_json', 'The request body is not valid JSON', {
      details: { status: 400 },
    });
  }
}

function tooLarge(limit: number): NanoclawError {
  return new NanoclawError('payload_too_large', `The request body is larger than ${limit} bytes`, {
    details: { status: 413 },
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}
