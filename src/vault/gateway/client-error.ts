import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Agent } from '../model/records.js';
import { badRequest } from './gateway-errors.js';
import type { GatewayContext, MitmConnection } from './gateway-context.js';

interface ParseError extends Error {
  code?: string;
  reason?: string;
}

/**
 * Handles what llhttp refuses (CL+TE, duplicate or malformed lengths, obs-fold, bad chunk
 * sizes, oversized headers…): a 400 and a closed connection, so nothing after the bad bytes
 * is ever read as another request. Audited with the agent when the connection has one.
 */
export function clientErrorHandler(
  ctx: GatewayContext,
  who: (socket: Duplex) => { agent: Agent | null; host: string },
): (err: ParseError, socket: Duplex) => void {
  return (err, socket) => {
    const code = err.code ?? 'ERR';
    if (code === 'ECONNRESET' || code === 'EPIPE' || !socket.writable) {
      socket.destroy();
      return;
    }
    const why = `${code}${err.reason ? `: ${err.reason}` : ''}`;
    // A head that took longer than headersTimeout (slowloris) is a 408, as Node answers it.
    const status = code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    socket.end(malformedRequestResponse(ctx, who(socket), why, status, code));
    // The peer may keep its side open; nothing it sends now is read as a request anyway.
    setTimeout(() => socket.destroy(), 1_000).unref();
  };
}

/** The 400 (or 431…) answer to a request that cannot be parsed, audited; the caller closes the connection. */
export function malformedRequestResponse(
  ctx: GatewayContext,
  who: { agent: Agent | null; host: string },
  why: string,
  status = 400,
  code = 'HPE_INVALID',
): Buffer {
  const e = badRequest(`malformed request refused (${why})`);
  const body = JSON.stringify({ error: e.error, code: e.code, message: e.message });
  ctx.audit.record({
    agent: who.agent,
    method: '-',
    host: who.host,
    path: '',
    secretName: null,
    decision: 'denied',
    status,
    bytesIn: 0,
    bytesOut: 0,
    startedAt: performance.now(),
    reason: `malformed_request:${code}`,
  });
  return Buffer.from(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nx-should-retry: false\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Usually the agent does not trust the vault CA: worth a row, since no request will follow. */
export function auditHandshakeFailed(ctx: GatewayContext, conn: MitmConnection, startedAt: number, why: string): void {
  ctx.logger.debug('Agent TLS handshake failed', { host: conn.host, error: why });
  ctx.audit.record({
    agent: conn.agent,
    method: 'CONNECT',
    host: conn.host,
    path: '',
    secretName: null,
    decision: 'error',
    status: null,
    bytesIn: 0,
    bytesOut: 0,
    startedAt,
    reason: 'tls_handshake_failed',
  });
}
