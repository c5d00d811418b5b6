import { STATUS_CODES } from 'node:http';
import type { AgentResponse } from './agent-exchange.js';
import type { Duplex } from 'node:stream';
import { PROXY_REALM } from './proxy-auth.js';

/** A refusal the gateway answers itself; the body tells the agent why (never a value). */
export interface GatewayError {
  status: number;
  error: string;
  code: string;
  message: string;
  /** Extra body fields, e.g. `connect_url`. */
  extra?: Record<string, string>;
  /** Extra response headers, e.g. `proxy-authenticate`. */
  headers?: Record<string, string>;
}

/**
 * 401 `app_not_connected`: the upstream refused and the vault holds nothing for this agent. The
 * message carries the connect URL too: clients (Claude Code, git) show the message, not the body.
 */
export function notConnected(host: string, connectUrlBase: string, o: { revoked?: string } = {}): GatewayError {
  const connectUrl = `${connectUrlBase.replace(/\/+$/, '')}/connect?host=${encodeURIComponent(host)}`;
  // `revoked`: the secret's name, an OAuth connection its provider refused to renew.
  const why = o.revoked
    ? `the OAuth connection "${o.revoked}" for ${host} expired and its provider refused to renew it; ask the user to connect it again at ${connectUrl}`
    : `${host} answered unauthorized and no credential for it is connected to this agent; ask the user to connect one at ${connectUrl}`;
  return {
    status: 401,
    error: 'app_not_connected',
    code: 'credential_not_found',
    message: why,
    extra: { connect_url: connectUrl },
  };
}

/** 403 `blocked_by_policy`. */
export function blockedByPolicy(message: string): GatewayError {
  return { status: 403, error: 'blocked_by_policy', code: 'blocked_by_policy', message };
}

/** 429 `rate_limited`. */
export function rateLimited(message: string): GatewayError {
  return { status: 429, error: 'rate_limited', code: 'rate_limited', message };
}

/** 502 `bad_gateway`: the upstream could not be reached or failed mid-way. */
export function badGateway(message: string): GatewayError {
  return { status: 502, error: 'bad_gateway', code: 'bad_gateway', message };
}

/** 407 with the challenge clients need to retry with the token from `HTTPS_PROXY`. */
export function proxyAuthRequired(): GatewayError {
  return {
    status: 407,
    error: 'proxy_auth_required',
    code: 'proxy_auth_required',
    message: 'the gateway needs the agent token: use HTTPS_PROXY=http://x:<token>@<gateway>:10255',
    headers: { 'proxy-authenticate': `Basic realm="${PROXY_REALM}"` },
  };
}

/** 421: the TLS name or Host header is not the host the tunnel was opened to. */
export function misdirected(message: string): GatewayError {
  return { status: 421, error: 'misdirected_request', code: 'host_mismatch', message };
}

/** 400 for requests a proxy must not pass on. */
export function badRequest(message: string): GatewayError {
  return { status: 400, error: 'bad_request', code: 'bad_request', message };
}

function bodyOf(e: GatewayError): string {
  return JSON.stringify({ error: e.error, code: e.code, message: e.message, ...e.extra });
}

/** Answers on an HTTP response (inside a MITM'd tunnel or for an absolute-form request). */
export function sendGatewayError(res: AgentResponse, e: GatewayError, close = false): void {
  const body = bodyOf(e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(e.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-should-retry': 'false',
    ...(close ? { connection: 'close' } : {}),
    ...e.headers,
  });
  res.end(body);
}

/** Answers a CONNECT on the raw socket and closes it. */
export function writeRawGatewayError(socket: Duplex, e: GatewayError): void {
  const body = bodyOf(e);
  const extra = Object.entries(e.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? 'Error'}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-should-retry: false\r\nconnection: close\r\n${extra}\r\n${body}`,
  );
}
