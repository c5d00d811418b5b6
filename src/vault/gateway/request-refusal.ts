import { normalizeHost, parseHostPort } from '../inject/host-pattern.js';
import { badRequest, misdirected } from './gateway-errors.js';
import type { MitmConnection } from './gateway-context.js';
import type { Refusal } from './decide-request.js';
import { PairCache } from './pair-cache.js';
import { framingProblem } from './request-checks.js';

/**
 * The request-level checks on a TLS-terminated connection, the same on every path (Node TLS,
 * native TLS, the fast lane, upgrades), in order: the TLS name, the framing, the Host, the
 * request target. A request refused here is answered and the connection closed; it never
 * reaches `decideRequest`.
 */

/** Notes the SNI name the agent sent when it does not name the CONNECT host: every request is then refused. */
export function noteServername(conn: MitmConnection, servername: string): void {
  if (servername !== '' && normalizeHost(servername) !== conn.host) conn.sniMismatch = servername.slice(0, 253);
}

/** What the checks read of a request (an `AgentRequest` has it). */
export interface RequestFacts {
  rawHeaders: readonly string[];
  httpVersionMajor: number;
  headers: { host?: string };
  url?: string;
}

/** Why a request on a TLS-terminated connection must not be forwarded at all, or null. */
export function refusal(conn: MitmConnection, req: RequestFacts): Refusal | null {
  return sniRefusal(conn) ?? framingRefusal(req) ?? hostRefusal(conn, req.headers.host, req.url);
}

/**
 * `refusal` for a request the fast lane recognised: the addon has checked its framing, and took it
 * only with a Host byte-equal to `laneHost(conn)`, a spelling `hostRefusal` accepts (one it
 * accepted, or the CONNECT target as parsed), so only the target is left to check.
 */
export function laneRefusal(conn: MitmConnection, url: string): Refusal | null {
  return sniRefusal(conn) ?? targetRefusal(url);
}

function sniRefusal(conn: MitmConnection): Refusal | null {
  if (conn.sniMismatch === null) return null;
  const error = misdirected(`TLS name ${conn.sniMismatch} does not match the CONNECT host ${conn.host}`);
  return { error, reason: 'sni_mismatch', decision: 'denied' };
}

/** A request framed in a way llhttp lets through but we do not forward (plain HTTP checks it too); the connection closes. */
export function framingRefusal(req: Pick<RequestFacts, 'rawHeaders' | 'httpVersionMajor'>): Refusal | null {
  const framing = framingProblem(req.rawHeaders, req.httpVersionMajor);
  return framing ? { error: badRequest(`request refused: ${framing}`), reason: 'bad_framing', decision: 'denied', close: true } : null;
}

/** The Host must name the CONNECT target (a spelling once accepted is remembered); the target must be a path. */
function hostRefusal(conn: MitmConnection, hostHeader: string | undefined, url: string | undefined): Refusal | null {
  if (hostHeader === undefined || hostHeader !== conn.acceptedHost) {
    const target = parseHostPort(hostHeader ?? '', 443);
    if (!target || target.host !== conn.host || target.port !== conn.port) {
      const error = misdirected(`Host ${hostHeader ?? '(none)'} does not match the CONNECT host ${conn.host}:${conn.port}`);
      return { error, reason: 'host_mismatch', decision: 'denied' };
    }
    conn.acceptedHost = hostHeader ?? null;
  }
  return targetRefusal(url);
}

function targetRefusal(url: string | undefined): Refusal | null {
  if (url?.startsWith('/')) return null;
  return { error: badRequest('request target must be a path (origin-form)'), reason: 'bad_target', decision: 'denied' };
}

/**
 * The Host value the fast lane takes byte-equal: one `refusal` accepted, or else the
 * spelling a client writes by default (the port left out for 443); null for an IPv6 literal.
 * Any other spelling reaches the JavaScript path, which checks it and remembers it as accepted.
 */
export function laneHost(conn: MitmConnection): string | null {
  if (conn.acceptedHost !== null) return conn.acceptedHost;
  if (conn.host.includes(':')) return null;
  return conn.port === 443 ? conn.host : spelled.obtain(conn.port, conn.host, spell);
}

// `host:port`, one string for every connection to it: what `refusal` remembers as accepted is
// then a pointer on an idle connection, not a copy of its own.
const spelled = new PairCache<number, string, string>({ max: 4_096 });
const spell = (port: number, host: string): string => `${host}:${port}`;
