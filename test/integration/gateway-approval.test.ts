import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mitmSocket, startHarness, viaProxy, waitForAudit } from './gateway-harness.js';
import { owner, startApprovalHarness, VALUE, type ApprovalHarness } from './gateway-approval-harness.js';

let t: ApprovalHarness;
beforeAll(async () => {
  t = await startApprovalHarness();
});
afterAll(async () => {
  await t?.[Symbol.asyncDispose]();
});
beforeEach(() => t.mark());

describe('a request held for approval', () => {
  it('approved: the upstream gets the injected request with the whole body, preview bytes first', async () => {
    const body = JSON.stringify({ pad: randomBytes(12_000).toString('hex') }); // 24 KiB: within the cap, so all of it is shown
    const res = t.send(body);
    const a = await t.held();
    expect(t.upstreamSaw()).toHaveLength(0);
    expect(a).toMatchObject({ method: 'POST', host: 'api.github.test', path: '/v1/charges', ruleId: 'pay', secretName: 'pay', agentIdentifier: 'payer' });
    expect(a).toMatchObject({ bodyPreview: body, bodySeen: body.length, bodyUnseen: 0 });
    expect(a.bodyDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(t.service.decide(a.id, { decision: 'approve' }, owner)).toMatchObject({ result: 'ok' });
    expect((await res).status).toBe(200);
    const [got] = t.upstreamSaw();
    expect(got?.headers.authorization).toBe(`Bearer ${VALUE}`);
    expect(got?.headers['content-length']).toBe(String(body.length));
    expect(got?.body.toString()).toBe(body);
    expect(await t.audited(`approval:${a.id}`)).toMatchObject({ decision: 'injected', status: 200, secretName: 'pay', bytesIn: body.length });
  });

  it('rejected: 403 manual_approval_denied with the approval id, and nothing reaches the upstream', async () => {
    const res = t.send('{"amount":5}');
    const a = await t.held();
    t.service.decide(a.id, { decision: 'deny', reason: 'not today' }, owner);
    const r = await res;
    expect(r.status).toBe(403);
    expect(r.headers['x-should-retry']).toBe('false');
    expect(JSON.parse(r.body)).toEqual({
      error: 'manual_approval_denied',
      code: 'manual_approval_denied',
      approval_id: a.id,
      message: expect.stringContaining('not today'),
    });
    expect(t.upstreamSaw()).toHaveLength(0);
    expect(await t.audited(`approval_rejected:${a.id}`)).toMatchObject({ decision: 'denied', status: 403 });
  });

  it('expired: nobody answers within the TTL → 403, and a late approval is refused', async () => {
    t.use(t.quick);
    const res = t.send('{"amount":6}');
    const a = await t.held();
    const r = await res;
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({ approval_id: a.id, message: expect.stringContaining('expired (no response)') });
    expect(t.service.get(a.id)).toMatchObject({ status: 'expired', reason: 'expired (no response)' });
    expect(t.quick.decide(a.id, { decision: 'approve' }, owner)).toMatchObject({ result: 'expired' });
    expect(t.upstreamSaw()).toHaveLength(0);
    expect(await t.audited(`approval_expired:${a.id}`)).toMatchObject({ decision: 'denied', status: 403 });
  });

  it('a client that disconnects cancels its approval, and nothing reaches the upstream', async () => {
    const socket = await mitmSocket(t.h, t.token, t.authority());
    socket.write(`POST /v1/charges HTTP/1.1\r\nHost: ${t.authority()}\r\nContent-Length: 5\r\n\r\nhello`);
    const a = await t.held();
    socket.destroy();
    const row = await t.audited(`approval_cancelled:${a.id}`);
    expect(row).toMatchObject({ decision: 'denied', status: null });
    expect(t.service.get(a.id)).toMatchObject({ status: 'cancelled', reason: 'client disconnected' });
    expect(t.service.decide(a.id, { decision: 'approve' }, owner)).toMatchObject({ result: 'expired' });
    expect(t.upstreamSaw()).toHaveLength(0);
  });

  it('a body that stalls before the cap is shown as far as it came, the card says what is unseen, and the rest still reaches the upstream', async () => {
    const socket = await mitmSocket(t.h, t.token, t.authority());
    const first = '{"part":"one",';
    const rest = '"part2":"two"}';
    socket.write(`POST /v1/charges HTTP/1.1\r\nHost: ${t.authority()}\r\nContent-Length: ${first.length + rest.length}\r\n\r\n${first}`);
    const a = await t.held(); // the client waits for an answer before sending more
    expect(a.bodyPreview.startsWith(first)).toBe(true);
    expect(a.bodyPreview).not.toContain('part2');
    expect(a).toMatchObject({ bodySeen: first.length, bodyUnseen: rest.length });
    const reply = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\r\n\r\n')) resolve(text);
      });
    });
    t.service.decide(a.id, { decision: 'approve' }, owner);
    socket.write(rest);
    expect(await reply).toMatch(/^HTTP\/1\.1 200/);
    expect(t.upstreamSaw()[0]?.body.toString()).toBe(first + rest);
    socket.destroy();
  });

  it('a grant revoked while the request was held: approved, but the secret is not sent', async () => {
    const agent = t.h.store.agents.getByIdentifier('payer')!;
    const before = t.h.store.agents.getSecretIds(agent.id) ?? [];
    const res = t.send('{"amount":8}');
    const a = await t.held();
    t.h.store.agents.setSecretIds(agent.id, []);
    try {
      await new Promise((r) => setTimeout(r, 1100)); // past the gateway's grant cache
      t.service.decide(a.id, { decision: 'approve' }, owner);
      const r = await res;
      expect(r.status).toBe(403);
      expect(JSON.parse(r.body)).toMatchObject({ approval_id: a.id, message: expect.stringContaining('no longer granted') });
      expect(t.upstreamSaw()).toHaveLength(0);
      expect(await t.audited(`approval_secret_revoked:${a.id}`)).toMatchObject({ decision: 'denied', status: 403 });
    } finally {
      t.h.store.agents.setSecretIds(agent.id, before);
    }
  });

  it('never shows the secret or the auth headers to the approver', async () => {
    const b64 = Buffer.from(VALUE).toString('base64');
    const res = t.send(`{"key":"${VALUE}","b64":"${b64}"}`, {
      headers: { authorization: 'Bearer onecli-managed', cookie: 's=1', 'x-api-key': 'k', 'x-echo': VALUE, 'x-trace': 't-1' },
    });
    const a = await t.held();
    t.service.decide(a.id, { decision: 'deny' }, owner);
    await res;
    const stored = JSON.stringify(t.service.get(a.id));
    expect(stored).not.toContain(VALUE);
    expect(stored).not.toContain(b64);
    for (const name of ['authorization', 'cookie', 'x-api-key', 'proxy-authorization', 'x-echo']) {
      expect(t.service.get(a.id)?.headers).not.toHaveProperty(name);
    }
    expect(t.service.get(a.id)?.headers['x-trace']).toBe('t-1');
    expect(t.service.get(a.id)?.bodyPreview).toBe('{"key":"[REDACTED]","b64":"[REDACTED]"}');
  });

  it('nobody reachable → 403 at once', async () => {
    const reopen = t.hideViewer();
    try {
      const started = Date.now();
      const r = await t.send('{"amount":7}');
      expect(r.status).toBe(403);
      expect(Date.now() - started).toBeLessThan(2_000);
      const id = (JSON.parse(r.body) as { approval_id: string }).approval_id;
      expect(t.service.get(id)).toMatchObject({ status: 'rejected', reason: 'no approver reachable', routedTo: null });
      expect(await t.audited(`approval_unreachable:${id}`)).toMatchObject({ decision: 'denied', status: 403 });
      expect(t.upstreamSaw()).toHaveLength(0);
    } finally {
      reopen();
    }
  });

  it('a request no rule holds is not held', async () => {
    const res = await viaProxy(t.h.gateway.port, { token: t.token, connect: t.authority(), ca: t.h.vaultCaPem, path: '/health' });
    expect(res.status).toBe(200);
    expect(t.service.list({ limit: 1000 }).filter((x) => x.path === '/health')).toEqual([]);
    expect(t.upstreamSaw()).toHaveLength(1);
  });

  it('never logs or audits the value', () => {
    const all = JSON.stringify(t.h.rows()) + t.h.logLines.join('\n') + t.logLines.join('\n') + JSON.stringify(t.service.list({ limit: 1000 }));
    expect(all).not.toContain(VALUE);
  });
});

describe('a gateway without approvals', () => {
  it('denies a request a manual_approval rule matches, as before', async () => {
    await using bare = await startHarness({ gateway: { policyRules: () => [{ id: 'pay', action: 'manual_approval', hostPattern: 'api.github.test' }] } });
    const a = bare.store.agents.create({ name: 'x', identifier: 'x', secretMode: 'all' });
    bare.addSecret({ name: 'pay', type: 'api_key', value: VALUE, hostPattern: 'api.github.test' });
    const before = bare.upstream.requests.length;
    const r = await viaProxy(bare.gateway.port, { token: a.token, connect: `api.github.test:${bare.upstream.port}`, ca: bare.vaultCaPem, method: 'POST', path: '/v1/charges', body: '{}' });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({ error: 'manual_approval_denied', message: expect.stringContaining('not available') });
    expect(bare.upstream.requests.length).toBe(before);
    expect(await waitForAudit(bare, (row) => row.reason === 'policy_approval_unavailable:pay')).toMatchObject({ decision: 'denied' });
  });
});
