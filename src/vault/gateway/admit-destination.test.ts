import { describe, expect, it } from 'vitest';
import type { PolicyRule } from '../model/policy-rule.js';
import { testAgent, testSecret } from '../../../test/support/vault-fixtures.js';
import { admitDestination, type AdmissionContext, type AdmissionRequest } from './admit-destination.js';
import { startRecord } from './audit-recorder.js';
import { badRequest } from './gateway-errors.js';
import { EgressGuard } from './egress-guard.js';
import { PolicyGate } from './policy-gate.js';
import type { HoldOutcome } from '../approvals/types.js';

const TOKEN = `aoc_${'1'.repeat(64)}`;
const AUTH = `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`;

const agent = testAgent({ egressPolicy: 'allowlist', allowHosts: ['allowed.test', 'api.pay.test'] });
const paySecret = testSecret();

/** Every step's reads, in the order they happened. */
function fakeContext(o: { rules?: PolicyRule[]; addresses?: string[]; asker?: typeof agent; answer?: HoldOutcome } = {}) {
  const steps: string[] = [];
  const gate = new PolicyGate({ rules: () => o.rules ?? [], approvals: true });
  const guard = new EgressGuard({
    resolve: async (host) => (steps.push(`resolve ${host}`), o.addresses ?? ['93.184.216.34']),
  });
  const ctx: AdmissionContext = {
    store: {
      agents: {
        findByToken: (token) => (steps.push('identity'), token === TOKEN ? (o.asker ?? agent) : null),
        grantedSecrets: () => (steps.push('allowlist'), [paySecret]),
      },
      secrets: { list: () => [paySecret] },
    },
    grants: { select: () => paySecret, reveal: () => null },
    connectUrlBase: 'http://vault.test:10254',
    policy: {
      check: (c, secretId) => (steps.push(`policy ${c.method} ${c.path}`), gate.check(c, secretId)),
      checkOrHold: (c, secretId) => (steps.push(`policy ${c.method} ${c.path} (holdable)`), gate.checkOrHold(c, secretId)),
    },
    guard,
    logger: { warn: () => undefined },
    newHosts: {
      ask: async (q) => (steps.push(`ask ${q.method} ${q.host}:${q.port}${q.path ?? ''}`), o.answer ?? { decision: 'rejected', approvalId: 'apr_1', reason: 'rejected' }),
    },
  };
  return { ctx, steps };
}

function connect(host: string, over: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    proxyAuthorization: AUTH,
    via: 'connect',
    target: { host, port: 443 },
    policy: { method: 'CONNECT', path: '/' },
    rec: startRecord({ agent: null, method: 'CONNECT', host, path: '' }),
    signal: () => new AbortController().signal,
    ...over,
  };
}

const plain = (host: string, over: Partial<AdmissionRequest> = {}): AdmissionRequest =>
  connect(host, { via: 'http', target: { host, port: 80 }, policy: { method: 'POST', path: '/x' }, ...over });

describe('admitDestination: identity → allowlist → policy → egress guard', () => {
  it('gives every admission of an unchanged agent one frozen record, and a changed record from the next admission on', async () => {
    const asker = testAgent({ id: 'agt_shared', egressPolicy: 'allowlist', allowHosts: ['allowed.test'] });
    const { ctx } = fakeContext({ asker });
    const first = connect('allowed.test');
    await admitDestination(ctx, first);
    const kept = first.rec.agent!;
    expect(kept).toEqual(asker);
    expect(Object.isFrozen(kept) && Object.isFrozen(kept.allowHosts)).toBe(true);
    const again = connect('allowed.test');
    await admitDestination(ctx, again);
    expect(again.rec.agent).toBe(kept);
    // Each field changed in turn (the allowlist by one host, in place or added) is seen at once.
    const changes: Partial<typeof asker>[] = [{ allowHosts: ['other.test'] }, { allowHosts: ['allowed.test', 'other.test'] }, { name: 'renamed' }, { egressPolicy: 'ask' }];
    for (const change of changes) {
      const changed = { ...asker, ...change };
      const after = connect('allowed.test');
      await admitDestination(fakeContext({ asker: changed }).ctx, after);
      expect(after.rec.agent).toEqual(changed);
      expect(after.rec.agent).not.toBe(kept);
    }
  });

  it('checks identity before anything else, even before a target it could not parse', async () => {
    const { ctx, steps } = fakeContext();
    const bad = { error: badRequest('not host:port'), reason: 'bad_target', decision: 'denied' as const };
    for (const request of [connect('allowed.test', { target: bad }), plain('allowed.test', { target: bad })]) {
      const a = await admitDestination(ctx, { ...request, proxyAuthorization: undefined });
      expect(a).toMatchObject({ kind: 'refuse', refusal: { reason: 'proxy_auth_required', error: { status: 407 } } });
    }
    expect(steps).toEqual([]);
    const a = await admitDestination(ctx, connect('allowed.test', { target: bad }));
    expect(a).toMatchObject({ kind: 'refuse', refusal: { reason: 'bad_target' } });
    expect(steps).toEqual(['identity']);
  });

  it.each([['CONNECT', connect], ['plain HTTP', plain]] as const)(
    'never resolves a destination the allowlist blocks (%s)',
    async (_via, request) => {
      const { ctx, steps } = fakeContext();
      const r = request('evil.test');
      const a = await admitDestination(ctx, r);
      expect(a).toMatchObject({ kind: 'refuse', refusal: { reason: 'not_in_allowlist', decision: 'blocked' } });
      expect(steps).toEqual(['identity', 'allowlist']);
      expect(r.rec.agent).toEqual(agent);
    },
  );

  it('never resolves a destination policy blocks, on either path', async () => {
    const rules: PolicyRule[] = [{ id: 'no', action: 'block', hostPattern: 'allowed.test' }];
    const { ctx, steps } = fakeContext({ rules });
    expect(await admitDestination(ctx, connect('allowed.test'))).toMatchObject({ kind: 'refuse', refusal: { reason: 'policy_block:no' } });
    expect(await admitDestination(ctx, plain('allowed.test'))).toMatchObject({ kind: 'refuse', refusal: { reason: 'policy_block:no' } });
    expect(steps).toEqual(['identity', 'allowlist', 'policy CONNECT /', 'identity', 'allowlist', 'policy POST /x']);
  });

  it('admits a tunnel with the address the guard checked, its policy judged once as CONNECT /', async () => {
    const { ctx, steps } = fakeContext({ addresses: ['93.184.216.34', '93.184.216.35'] });
    const a = await admitDestination(ctx, connect('allowed.test'));
    expect(a).toEqual({ kind: 'admit', agent, host: 'allowed.test', port: 443, address: '93.184.216.34', family: 4, intercept: false });
    expect(steps).toEqual(['identity', 'allowlist', 'policy CONNECT /', 'resolve allowed.test']);
  });

  it('intercepts a CONNECT to a host with a secret and leaves its policy to each request; plain HTTP never intercepts', async () => {
    const { ctx, steps } = fakeContext();
    expect(await admitDestination(ctx, connect('api.pay.test'))).toMatchObject({ kind: 'admit', intercept: true });
    expect(steps).toEqual(['identity', 'allowlist', 'resolve api.pay.test']);
    expect(await admitDestination(ctx, connect('api.pay.test', { target: { host: 'api.pay.test', port: 80 } }))).toMatchObject({ intercept: false });
    expect(await admitDestination(ctx, plain('api.pay.test'))).toMatchObject({ kind: 'admit', intercept: false });
  });

  it('refuses what the egress guard refuses, after every other step', async () => {
    const { ctx, steps } = fakeContext({ addresses: ['10.0.0.5'] });
    const a = await admitDestination(ctx, connect('allowed.test'));
    expect(a).toMatchObject({ kind: 'refuse', refusal: { reason: 'egress_private', decision: 'blocked', error: { status: 403 } } });
    expect(steps.at(-1)).toBe('resolve allowed.test');
  });

  it('holds a plain-HTTP request for approval before resolving it; a tunnel cannot be held', async () => {
    const rules: PolicyRule[] = [{ id: 'ask', action: 'manual_approval', hostPattern: 'allowed.test' }];
    const { ctx, steps } = fakeContext({ rules });
    const denied = await admitDestination(ctx, plain('allowed.test', { hold: async () => (steps.push('held'), false) }));
    expect(denied).toEqual({ kind: 'answered' });
    expect(steps).toEqual(['identity', 'allowlist', 'policy POST /x (holdable)', 'held']);
    steps.length = 0;
    const approved = await admitDestination(ctx, plain('allowed.test', { hold: async () => (steps.push('held'), true) }));
    expect(approved).toMatchObject({ kind: 'admit', address: '93.184.216.34' });
    expect(steps).toEqual(['identity', 'allowlist', 'policy POST /x (holdable)', 'held', 'resolve allowed.test']);
    expect(await admitDestination(ctx, connect('allowed.test'))).toMatchObject({
      kind: 'refuse',
      refusal: { reason: 'policy_approval_unsupported:ask' },
    });
  });

  it.each([['CONNECT', connect, 'ask CONNECT new.test:443'], ['plain HTTP', plain, 'ask POST new.test:80/x']] as const)(
    'in egress mode ask, asks about a host off the list after the allowlist and before policy and the guard (%s)',
    async (_via, request, asked) => {
      const asker = testAgent({ egressPolicy: 'ask', allowHosts: ['allowed.test'] });
      const denied = fakeContext({ asker });
      const refused = await admitDestination(denied.ctx, request('new.test'));
      expect(refused).toMatchObject({ kind: 'refuse', refusal: { reason: 'new_host_rejected:apr_1', decision: 'denied', error: { status: 403, error: 'manual_approval_denied', extra: { approval_id: 'apr_1' } } } });
      expect(denied.steps).toEqual(['identity', 'allowlist', asked]);
      const allowed = fakeContext({ asker, answer: { decision: 'approved', approvalId: 'apr_2', grantId: null, bodyDigest: '' } });
      expect(await admitDestination(allowed.ctx, request('new.test'))).toMatchObject({ kind: 'admit', host: 'new.test' });
      expect(allowed.steps).toEqual(['identity', 'allowlist', asked, expect.stringMatching(/^policy /), 'resolve new.test']);
      // A host on the list is never asked about.
      const listed = fakeContext({ asker });
      expect(await admitDestination(listed.ctx, request('allowed.test'))).toMatchObject({ kind: 'admit' });
      expect(listed.steps.some((step) => step.startsWith('ask'))).toBe(false);
    },
  );
});
