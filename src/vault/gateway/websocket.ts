import type { AgentRequest } from './agent-exchange.js';
import type { Duplex } from 'node:stream';
import { errorMessage } from '../../common/errors.js';
import { startRecord, type RequestRecord } from './audit-recorder.js';
import { decideRequest } from './decide-request.js';
import type { EchoForms } from './echo-forms.js';
import { planResponse, type ResponsePlan } from './response-plan.js';
import { WebSocketEchoScanner } from './websocket-scanner.js';
import { openUpstream, prepareUpstream } from './forward.js';
import { badGateway, badRequest, notConnected, writeRawGatewayError, type GatewayError } from './gateway-errors.js';
import { track, type GatewayContext, type MitmConnection } from './gateway-context.js';
import { refusal } from './request-refusal.js';

// A server close frame, status 1008 (policy violation): frames the gateway cannot scan (RFC 6455 §7.4.1).
const CLOSE_1008 = Buffer.from([0x88, 0x02, 0x03, 0xf0]);

/** `Upgrade: websocket` (any case, alone): the one protocol whose frames the gateway can scan. */
function isWebSocket(upgrade: string | undefined): boolean {
  return upgrade?.trim().toLowerCase() === 'websocket';
}

/** A raw response head from a plan: its end-to-end fields (already redacted), then the connection's own. */
function rawHead(status: number, plan: ResponsePlan, connection: string): string {
  let text = `HTTP/1.1 ${status} ${plan.statusMessage}\r\n`;
  for (let i = 0; i + 1 < plan.headers.length; i += 2) text += `${plan.headers[i]}: ${plan.headers[i + 1]}\r\n`;
  return `${text}${connection}\r\n`;
}

/**
 * Forwards a WebSocket handshake on a TLS-terminated host with the credential injected, then
 * relays both sockets: the server's frames scanned for echoes when a value was injected. Other
 * upgrade protocols are refused (their bytes could not be scanned); an answer without 101 goes
 * through the same response plan as any other response.
 */
export function forwardUpgrade(
  ctx: GatewayContext,
  conn: MitmConnection,
  req: AgentRequest,
  client: Duplex,
  head: Buffer,
): void {
  const rec = startRecord({
    agent: conn.agent,
    method: req.method ?? 'GET',
    host: conn.host,
    path: req.url ?? '',
  });
  client.on('error', () => client.destroy());
  const fail = (error: GatewayError, reason: string, decision: RequestRecord['decision']): void => {
    writeRawGatewayError(client, error);
    ctx.audit.record({ ...rec, status: error.status, decision, reason });
  };
  const refused = refusal(conn, req);
  if (refused) return fail(refused.error, refused.reason, refused.decision);
  if (!isWebSocket(req.headers.upgrade)) {
    fail(badRequest('only WebSocket upgrades are forwarded on intercepted hosts (their frames can be checked)'), 'upgrade_refused', 'denied');
    return;
  }
  // A relayed connection cannot be held for approval: such a rule refuses it.
  const decision = decideRequest(ctx, {
    agent: conn.agent,
    host: conn.host,
    method: rec.method,
    path: rec.path,
    headers: req.headers,
    inject: true,
    holdable: false,
  });
  if (decision.kind !== 'forward') {
    rec.secretName = decision.secret?.name ?? null;
    return fail(decision.refusal.error, decision.refusal.reason, decision.refusal.decision);
  }
  const { injection } = decision;
  const prepared = prepareUpstream(req, injection, { upgrade: true });
  const upReq = openUpstream(ctx, conn, { rec, injection, prepared });
  upReq.end();
  upReq.on('error', (err) => fail(badGateway(`${conn.host} failed: ${errorMessage(err)}`), 'upstream_error', 'error'));
  upReq.on('upgrade', (upRes, upSocket: Duplex, upHead: Buffer) => {
    track(ctx, upSocket);
    if (!isWebSocket(upRes.headers.upgrade)) {
      upSocket.destroy();
      fail(badGateway(`${conn.host} switched to a protocol other than websocket`), 'upgrade_refused', 'error');
      return;
    }
    const status = upRes.statusCode ?? 101;
    const plan = planResponse({ method: rec.method, status, statusMessage: upRes.statusMessage ?? '', rawHeaders: upRes.rawHeaders, injected: prepared.injected });
    rec.status = status;
    if (plan.echoed) rec.reason = 'credential_echo';
    client.write(rawHead(status, plan, 'Upgrade: websocket\r\nConnection: Upgrade\r\n'));
    if (head.length > 0) upSocket.write(head);
    client.pipe(upSocket);
    relayFrames(upSocket, client, prepared.injected, rec, upHead);
    client.on('data', (c: Buffer) => (rec.bytesIn += c.length));
    upSocket.on('error', () => client.destroy());
    client.once('close', () => upSocket.destroy());
    upSocket.once('close', () => {
      client.destroy();
      ctx.audit.record(rec);
    });
  });
  upReq.on('response', (upRes) => {
    const status = upRes.statusCode ?? 502;
    if (prepared.injected === null && (status === 401 || status === 403)) {
      upRes.resume();
      fail(notConnected(conn.host, ctx.connectUrlBase), `upstream_${status}`, 'not_connected');
      return;
    }
    const plan = planResponse({ method: rec.method, status, statusMessage: upRes.statusMessage ?? '', rawHeaders: upRes.rawHeaders, injected: prepared.injected });
    if (plan.refused) {
      upRes.resume();
      fail(plan.refused.error, plan.refused.reason, rec.decision);
      return;
    }
    rec.status = status;
    if (plan.echoed) rec.reason = 'credential_echo';
    client.write(rawHead(status, plan, 'Connection: close\r\n'));
    const body = plan.decoder ? upRes.pipe(plan.decoder) : upRes;
    plan.decoder?.on('error', () => client.destroy());
    const write = (b: Buffer): void => {
      rec.bytesOut += b.length;
      client.write(b);
    };
    body.on('data', (c: Buffer) => (plan.scanner ? plan.scanner.feed(c, write) : write(c)));
    body.once('end', () => {
      plan.scanner?.end(write);
      client.end();
    });
    client.once('close', () => {
      if (plan.scanner?.redacted) rec.reason = 'credential_echo';
      ctx.audit.record(rec);
    });
  });
}

/**
 * The server-to-client side of an upgraded connection: as it is when nothing was injected, else
 * through the frame scanner; a stream it cannot scan is closed (1008, policy violation).
 */
function relayFrames(up: Duplex, client: Duplex, injected: EchoForms | null, rec: RequestRecord, first: Buffer): void {
  const scanner = injected ? new WebSocketEchoScanner(injected) : null;
  const pass = (c: Buffer): void => {
    const out = scanner ? scanner.feed(c) : c;
    if (out === null) {
      rec.reason = 'unscannable_frame';
      client.end(CLOSE_1008);
      up.destroy();
      return;
    }
    if (scanner?.redacted) rec.reason = 'credential_echo';
    rec.bytesOut += out.length;
    if (out.length > 0 && !client.write(out)) {
      up.pause();
      client.once('drain', () => up.resume());
    }
  };
  if (first.length > 0) pass(first);
  up.on('data', pass);
  up.once('end', () => {
    if (scanner) client.write(scanner.end());
    client.end();
  });
}
