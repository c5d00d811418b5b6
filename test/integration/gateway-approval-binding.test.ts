import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mitmSocket, rawExchange } from './gateway-harness.js';
import { owner, startApprovalHarness, type ApprovalHarness } from './gateway-approval-harness.js';

let t: ApprovalHarness;
beforeAll(async () => {
  t = await startApprovalHarness();
});
afterAll(async () => {
  await t?.[Symbol.asyncDispose]();
});
beforeEach(() => t.mark());

describe('what an approval releases', () => {
  it('an approval releases only its own request: not another body, and not a replay', async () => {
    const resA = t.send('{"to":"alice","amount":5}');
    const a = await t.held(1);
    const resB = t.send('{"to":"mallory","amount":5000}');
    const b = await t.held(2);
    expect(b.id).not.toBe(a.id);
    expect(b.bodyDigest).not.toBe(a.bodyDigest);
    t.service.decide(a.id, { decision: 'approve' }, owner);
    expect((await resA).status).toBe(200);
    // Deciding A again does nothing for B, which stays held until its own decision.
    expect(t.service.decide(a.id, { decision: 'approve' }, owner)).toMatchObject({ result: 'already_decided' });
    await new Promise((r) => setTimeout(r, 100));
    expect(t.service.get(b.id)?.status).toBe('pending');
    expect(t.upstreamSaw().map((r) => r.body.toString())).toEqual(['{"to":"alice","amount":5}']);
    // The same request again is a new approval, not a replay of A's.
    const resA2 = t.send('{"to":"alice","amount":5}');
    const a2 = await t.held(3);
    expect(a2.id).not.toBe(a.id);
    expect(a2.bodyDigest).toBe(a.bodyDigest);
    t.service.decide(b.id, { decision: 'deny' }, owner);
    t.service.decide(a2.id, { decision: 'deny' }, owner);
    expect((await resB).status).toBe(403);
    expect((await resA2).status).toBe(403);
    expect(t.upstreamSaw()).toHaveLength(1);
    await t.audited(`approval_rejected:${b.id}`);
  });

  it('a time-boxed grant lets later matching requests through at once, but not another method or path', async () => {
    const first = t.send('{"n":1}', { path: '/v1/charges' });
    const a = await t.held(1);
    const decided = t.service.decide(a.id, { decision: 'approve', grantMinutes: 5 }, owner);
    if (decided.result !== 'ok' || !decided.grant) throw new Error('no grant');
    const grant = decided.grant;
    expect((await first).status).toBe(200);

    const covered = await t.send('{"n":2}', { path: '/v1/charges/ch_2' });
    expect(covered.status).toBe(200);
    expect(t.service.list({ limit: 1000 }).filter((x) => x.path === '/v1/charges/ch_2')).toEqual([]); // nobody was asked
    expect(await t.audited(`approval_grant:${grant.id}`)).toMatchObject({ decision: 'injected', status: 200, path: '/v1/charges/ch_2' });
    expect(t.service.listGrants().map((g) => g.id)).toContain(grant.id);

    const otherMethod = t.send('{"n":3}', { method: 'PUT', path: '/v1/charges' });
    const m = await t.held(2);
    expect(m.method).toBe('PUT');
    t.service.decide(m.id, { decision: 'deny' }, owner);
    expect((await otherMethod).status).toBe(403);

    const otherPath = t.send('{"n":4}', { path: '/v1/refunds' });
    const p = await t.held(3);
    expect(p.path).toBe('/v1/refunds');
    t.service.decide(p.id, { decision: 'deny' }, owner);
    expect((await otherPath).status).toBe(403);

    expect(t.service.revokeGrant(grant.id)).toBe(true);
    const revoked = t.send('{"n":5}', { path: '/v1/charges' });
    const r = await t.held(4);
    t.service.decide(r.id, { decision: 'deny' }, owner);
    expect((await revoked).status).toBe(403);
    expect(t.upstreamSaw().map((x) => x.body.toString())).toEqual(['{"n":1}', '{"n":2}']);
  });

  it('a chunked body is previewed and then forwarded whole', async () => {
    const socket = await mitmSocket(t.h, t.token, t.authority());
    const part = 'a'.repeat(3000);
    socket.write(
      `POST /v1/charges HTTP/1.1\r\nHost: ${t.authority()}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
        `bb8\r\n${part}\r\nbb8\r\n${part}\r\n`,
    );
    const a = await t.held();
    // The body stalled after 6,000 bytes: the card shows them and says more (of unknown length) follows.
    expect(a).toMatchObject({ bodySeen: 6000, bodyUnseen: null });
    expect(a.bodyPreview).toBe(part + part);
    const answer = rawExchange(socket, `b00\r\n${'b'.repeat(0xb00)}\r\n0\r\n\r\n`, 3_000);
    t.service.decide(a.id, { decision: 'approve' }, owner);
    expect((await answer).text).toMatch(/^HTTP\/1\.1 200/);
    expect(t.upstreamSaw()[0]?.body.toString()).toBe(part + part + 'b'.repeat(0xb00));
  });

  it('the connection stays usable after a denial: the next request on it goes on', async () => {
    const socket = await mitmSocket(t.h, t.token, t.authority());
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const body = 'z'.repeat(9000);
    socket.write(`POST /v1/charges HTTP/1.1\r\nHost: ${t.authority()}\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const a = await t.held();
    t.service.decide(a.id, { decision: 'deny' }, owner);
    for (let i = 0; i < 200 && !text.endsWith('}'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(text).toMatch(/^HTTP\/1\.1 403/);
    expect(text).not.toMatch(/connection: close/i);
    const next = await rawExchange(socket, `GET /health HTTP/1.1\r\nHost: ${t.authority()}\r\nConnection: close\r\n\r\n`, 3_000);
    expect(next.text).toContain('HTTP/1.1 200');
    expect(t.upstreamSaw().map((r) => r.url)).toEqual(['/health']);
  });

  it('holds plaintext http:// requests too, and forwards the whole body once approved', async () => {
    const body = 'p'.repeat(10_000);
    const approved = t.plainPost(body);
    const a = await t.held(1);
    expect(a).toMatchObject({ host: 'plain-pay.test', path: '/send', secretName: null, ruleId: 'plain' });
    expect(t.plainSeen).toHaveLength(0);
    t.service.decide(a.id, { decision: 'approve' }, owner);
    expect(await approved).toEqual({ status: 200, body: 'plain ok' });
    expect(t.plainSeen).toEqual([{ url: '/send', body }]);
    expect(await t.audited(`approval:${a.id}`)).toMatchObject({ decision: 'passthrough', status: 200, host: 'plain-pay.test' });

    const denied = t.plainPost('{}');
    const d = await t.held(2);
    t.service.decide(d.id, { decision: 'deny' }, owner);
    const r = await denied;
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({ error: 'manual_approval_denied', approval_id: d.id });
    expect(t.plainSeen).toHaveLength(1);
  });

  it('a hold longer than the idle timeout does not drop the connection', async () => {
    await using short = await startApprovalHarness({ idleTimeoutMs: 300 });
    short.mark();
    const res = short.send('{"slow":true}');
    const a = await short.held();
    await new Promise((r) => setTimeout(r, 700));
    short.service.decide(a.id, { decision: 'approve' }, owner);
    expect((await res).status).toBe(200);
    expect(short.upstreamSaw()).toHaveLength(1);
  });
});
