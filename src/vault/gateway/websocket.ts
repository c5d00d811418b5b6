import type { IncomingMessage } from 'node:http';
import type { AgentRequest } from './agent-exchange.js';
import type { Duplex } from 'node:stream';
import { errorMessage } from '../../common/errors.js';
import { REDACTED } from '../../common/redact.js';
import { startRecord, type RequestRecord } from './audit-recorder.js';
import { EchoRedactTransform } from './echo-redactor.js';
import { openUpstream, prepareUpstream, refusal } from './forward.js';
import { badGateway, notConnected, writeRawGatewayError, type GatewayError } from './gateway-errors.js';
import { track, type GatewayContext, type MitmConnection } from './gateway-context.js';
import { HOP_BY_HOP } from './wire-tables.js';

/** A raw response head from an upstream's raw headers, hop-by-hop ones dropped, echoes redacted. */
function responseHead(res: IncomingMessage, forms: string[], upgraded: boolean): { text: string; echoed: boolean } {
  let text = `HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ''}\r\n`;
  let echoed = false;
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    let value = raw[i + 1] ?? '';
    const lower = name.toLowerCase();
    // Upgrade stays on a 101: it names the protocol switched to (Connection is written below).
    if (HOP_BY_HOP.has(lower) && !(upgraded && lower === 'upgrade')) continue;
    // A redacted body may change length; the connection closes after it instead.
    if (!upgraded && forms.length > 0 && lower === 'content-length') continue;
    for (const f of forms) {
      if (value.includes(f)) {
        value = value.split(f).join(REDACTED);
        echoed = true;
      }
    }
    text += `${name}: ${value}\r\n`;
  }
  text += upgraded ? 'Connection: Upgrade\r\n\r\n' : 'Connection: close\r\n\r\n';
  return { text, echoed };
}

/**
 * Forwards a WebSocket (or other HTTP/1.1 Upgrade) handshake on a TLS-terminated host with
 * the credential injected, then relays both sockets as they are.
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
  if (refused) {
    fail(refused.error, refused.reason, 'denied');
    return;
  }
  const secret = ctx.grants.select(conn.agent.id, conn.host, rec.path);
  const verdict = ctx.policy.check({
    agent: conn.agent,
    host: conn.host,
    method: rec.method,
    path: rec.path,
    secretId: secret?.id ?? null,
  });
  if (verdict) {
    fail(verdict.error, verdict.reason, verdict.decision);
    return;
  }
  let prepared: ReturnType<typeof prepareUpstream>;
  try {
    prepared = prepareUpstream(ctx, req, secret, { upgrade: true });
  } catch (err) {
    fail(badGateway(errorMessage(err)), 'injection_failed', 'error');
    return;
  }
  const forms = prepared.injected?.text ?? [];
  const upReq = openUpstream(ctx, conn, { rec, secret, prepared });
  upReq.end();
  upReq.on('error', (err) => fail(badGateway(`${conn.host} failed: ${errorMessage(err)}`), 'upstream_error', 'error'));
  upReq.on('upgrade', (upRes, upSocket: Duplex, upHead: Buffer) => {
    track(ctx, upSocket);
    const { text, echoed } = responseHead(upRes, forms, true);
    rec.status = upRes.statusCode ?? 101;
    if (echoed) rec.reason = 'credential_echo';
    client.write(text);
    if (upHead.length > 0) client.write(upHead);
    if (head.length > 0) upSocket.write(head);
    client.pipe(upSocket);
    upSocket.pipe(client);
    upSocket.on('data', (c: Buffer) => (rec.bytesOut += c.length));
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
    const { text, echoed } = responseHead(upRes, forms, false);
    rec.status = status;
    if (echoed) rec.reason = 'credential_echo';
    client.write(text);
    const redactor = prepared.injected ? new EchoRedactTransform(prepared.injected) : null;
    const body = redactor ? upRes.pipe(redactor) : upRes;
    body.on('data', (c: Buffer) => (rec.bytesOut += c.length));
    body.pipe(client);
    client.once('close', () => {
      if (redactor?.redacted) rec.reason = 'credential_echo';
      ctx.audit.record(rec);
    });
  });
}
