import type { Duplex } from 'node:stream';
import type { Agent } from '../model.js';
import { badRequest } from './gateway-errors.js';
import type { GatewayContext } from './gateway-context.js';

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
    const { agent, host } = who(socket);
    const e = badRequest(`malformed request refused (${code}${err.reason ? `: ${err.reason}` : ''})`);
    const body = JSON.stringify({ error: e.error, code: e.code, message: e.message });
    socket.end(
      `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `x-should-retry: false\r\nconnection: close\r\n\r\n${body}`,
    );
    // The peer may keep its side open; nothing it sends now is read as a request anyway.
    setTimeout(() => socket.destroy(), 1_000).unref();
    ctx.audit.record({
      agent,
      method: '-',
      host,
      path: '',
      secretName: null,
      decision: 'denied',
      status: 400,
      bytesIn: 0,
      bytesOut: 0,
      startedAt: performance.now(),
      reason: `malformed_request:${code}`,
    });
  };
}
