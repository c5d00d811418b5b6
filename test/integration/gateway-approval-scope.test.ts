import { describe, expect, it } from 'vitest';
import { PREVIEW_LIMIT } from '../../src/vault/model/approvals.js';
import type { ApprovalService } from '../../src/vault/approvals/types.js';
import { approvalDigest } from '../../src/vault/gateway/approval-hold-request.js';
import { approvalSuite, owner, VALUE } from './gateway-approval-harness.js';

// What an approval binds: a time-boxed grant covers the whole request path, normalised, never a
// copy cut short; the approver sees the normalised target with its query, the headers and the
// body (or how much of it goes unseen); what is released is what was seen.

const t = approvalSuite();

async function grantCharges(): Promise<string> {
  const first = t.send('{"n":1}', { path: '/v1/charges' });
  const a = await t.held(1);
  const decided = t.service.decide(a.id, { decision: 'approve', grantMinutes: 5 }, owner);
  if (decided.result !== 'ok' || !decided.grant) throw new Error('no grant');
  expect((await first).status).toBe(200);
  return decided.grant.id;
}

describe('approval grant coverage', () => {
  it('judges the whole normalised path: dot segments past 2,048 characters do not escape the prefix', async () => {
    const grant = await grantCharges();
    const long = `/v1/charges/${'a'.repeat(2100)}/../../../v1/admin`;
    const res = t.send('{"n":2}', { path: long });
    const held = await t.held(2);
    expect(held.path).toBe('/v1/admin');
    t.service.decide(held.id, { decision: 'deny' }, owner);
    expect((await res).status).toBe(403);
    // The audit row's path is cut, and says by how much.
    expect((await t.audited(`approval_rejected:${held.id}`)).path).toMatch(/a… \(\d+ more bytes\)$/);
    // Within the limit the grant still covers what lies under its prefix.
    expect((await t.send('{"n":3}', { path: '/v1/charges/ch_3/../ch_4' })).status).toBe(200);
    expect(await t.audited(`approval_grant:${grant}`)).toMatchObject({ status: 200 });
    expect(t.upstreamSaw().map((r) => r.body.toString())).toEqual(['{"n":1}', '{"n":3}']);
    t.service.revokeGrant(grant);
  });

  it('never covers a path longer than the limit, even one under the prefix', async () => {
    const grant = await grantCharges();
    const res = t.send('{"n":2}', { path: `/v1/charges/${'b'.repeat(2100)}` });
    const held = await t.held(2);
    t.service.decide(held.id, { decision: 'deny' }, owner);
    expect((await res).status).toBe(403);
    expect(t.upstreamSaw()).toHaveLength(1);
    t.service.revokeGrant(grant);
  });
});

describe('what the approver sees and what is released', () => {
  it('shows the normalised target with its query (secret values redacted) and the headers without credentials', async () => {
    const res = t.send('{"n":1}', {
      path: `/v1//charges/./x/../ch_1?amount=5&key=${encodeURIComponent(VALUE)}`,
      headers: { authorization: 'Bearer onecli-managed', cookie: 's=1', 'x-api-key': 'k', 'x-trace': 't-1' },
    });
    const a = await t.held();
    expect(a.path).toBe('/v1/charges/ch_1?amount=5&key=[REDACTED]');
    expect(a.headers).toMatchObject({ 'x-trace': 't-1', 'content-type': 'application/json' });
    expect(Object.keys(a.headers)).not.toEqual(expect.arrayContaining(['authorization']));
    for (const hidden of ['authorization', 'cookie', 'x-api-key', 'proxy-authorization']) expect(a.headers[hidden]).toBeUndefined();
    expect(a).toMatchObject({ bodyPreview: '{"n":1}', bodySeen: 7, bodyUnseen: 0 });
    t.service.decide(a.id, { decision: 'deny' }, owner);
    expect((await res).status).toBe(403);
  });

  it('buffers the body up to the cap before the card goes out, and says how many bytes go unseen', async () => {
    const body = 'q'.repeat(PREVIEW_LIMIT + 4464);
    const res = t.send(body);
    const a = await t.held();
    expect(a).toMatchObject({ bodySeen: PREVIEW_LIMIT, bodyUnseen: 4464 });
    expect(a.bodyPreview).toBe('q'.repeat(PREVIEW_LIMIT));
    t.service.decide(a.id, { decision: 'approve' }, owner);
    expect((await res).status).toBe(200);
    expect(t.upstreamSaw().map((r) => r.body.toString())).toEqual([body]);
  });

  it('fails closed when the bytes to be released differ from those the approver saw', async () => {
    // An approver shown (and a stored digest of) another body than the one the request carries.
    const seen = Buffer.from('{"to":"alice"}');
    const swapped: ApprovalService = {
      ...t.service,
      hold: (r, signal) =>
        t.service.hold(
          { ...r, bodyPreview: seen.toString(), bodyDigest: approvalDigest({ method: r.method, host: r.host, path: r.target, declared: String(seen.length), preview: seen }) },
          signal,
        ),
    };
    t.use(swapped);
    const res = t.send('{"to":"malor"}'); // the same length
    const a = await t.held();
    t.service.decide(a.id, { decision: 'approve' }, owner);
    const answer = await res;
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'manual_approval_denied', approval_id: a.id });
    expect(t.upstreamSaw()).toEqual([]);
    await t.audited(`approval_body_mismatch:${a.id}`);
    // Unchanged, the same request goes through.
    t.use(t.service);
    const honest = t.send('{"to":"alice"}');
    const b = await t.held(2);
    t.service.decide(b.id, { decision: 'approve' }, owner);
    expect((await honest).status).toBe(200);
  });
});
