import { describe, expect, it } from 'vitest';
import type { PolicyRule } from '../model/policy-rule.js';
import type { Secret } from '../model/records.js';
import { testAgent, testSecret } from '../../../test/support/vault-fixtures.js';
import { decideRequest, forwardWith, type DecisionContext, type RequestQuestion } from './decide-request.js';
import type { Reading } from './grant-cache.js';
import { PolicyGate, type PolicyCheck } from './policy-gate.js';

const agent = testAgent();
const secret = testSecret;

/** Grants holding one secret (or none) with a value that can change, counting what is looked up. */
function fakeContext(o: { secret?: Secret | null; value?: string; reading?: Reading; rules?: PolicyRule[]; approvals?: boolean } = {}) {
  const calls = { select: 0, reveal: 0, checks: [] as (PolicyCheck & { secretId: string | null })[] };
  let revealed: Reading | null = o.reading ?? (o.value === undefined ? null : { value: o.value });
  const gate = new PolicyGate({ rules: () => o.rules ?? [], approvals: o.approvals ?? true });
  const ctx: DecisionContext = {
    grants: {
      select: () => (calls.select++, o.secret ?? null),
      reveal: () => (calls.reveal++, revealed),
    },
    policy: {
      check: (c, secretId) => (calls.checks.push({ ...c, secretId }), gate.check(c, secretId)),
      checkOrHold: (c, secretId) => (calls.checks.push({ ...c, secretId }), gate.checkOrHold(c, secretId)),
    },
    connectUrlBase: 'http://vault.test:10254',
  };
  const rotate = (value: string): void => {
    revealed = { value };
  };
  return { ctx, calls, rotate };
}

const ask = (over: Partial<RequestQuestion> = {}): RequestQuestion => ({
  agent,
  host: 'api.pay.test',
  method: 'POST',
  path: '/charge',
  inject: true,
  holdable: true,
  ...over,
});

describe('decideRequest', () => {
  it('forwards with the secret, its value, echo forms and injection target', () => {
    const { ctx } = fakeContext({ secret: secret(), value: 'sk-live-123' });
    const d = decideRequest(ctx, ask());
    expect(d).toMatchObject({
      kind: 'forward',
      injection: { secret: { id: 'sec_1' }, value: 'sk-live-123', target: { kind: 'header', name: 'authorization', value: 'Bearer sk-live-123' } },
    });
    if (d.kind !== 'forward') throw new Error('not forwarded');
    expect(d.injection?.forms.text).toContain('sk-live-123');
    // The same decision object while the value is cached: the lane's plan is keyed on it.
    expect(decideRequest(ctx, ask())).toBe(d);
  });

  it('forwards without an injection when the agent has no secret for the host, revealing nothing', () => {
    const { ctx, calls } = fakeContext({ secret: null });
    expect(decideRequest(ctx, ask())).toEqual({ kind: 'forward', injection: null });
    expect(calls.reveal).toBe(0);
  });

  it('never looks up a secret where none may be injected (plain HTTP, tunnels), and tells policy so', () => {
    const { ctx, calls } = fakeContext({ secret: secret(), value: 'sk-live-123' });
    expect(decideRequest(ctx, ask({ inject: false }))).toEqual({ kind: 'forward', injection: null });
    expect(calls.select).toBe(0);
    expect(calls.checks[0]?.secretId).toBeNull();
  });

  it('refuses what policy blocks without ever decrypting the value, naming the secret for the audit row', () => {
    const rules: PolicyRule[] = [{ id: 'no-post', action: 'block', hostPattern: 'api.pay.test', method: 'POST' }];
    const { ctx, calls } = fakeContext({ secret: secret(), value: 'sk-live-123', rules });
    const d = decideRequest(ctx, ask());
    expect(d).toMatchObject({ kind: 'refuse', secret: { id: 'sec_1' }, refusal: { reason: 'policy_block:no-post', decision: 'blocked', error: { status: 403 } } });
    expect(calls.reveal).toBe(0);
    expect(calls.checks[0]?.secretId).toBe('sec_1');
  });

  it('holds for approval where the path can hold, and refuses it where it cannot (upgrades, tunnels)', () => {
    const rules: PolicyRule[] = [{ id: 'pay', action: 'manual_approval', hostPattern: 'api.pay.test' }];
    const { ctx, calls } = fakeContext({ secret: secret(), value: 'sk-live-123', rules });
    expect(decideRequest(ctx, ask())).toMatchObject({ kind: 'hold', secret: { id: 'sec_1' }, hold: { hold: { id: 'pay' } } });
    expect(decideRequest(ctx, ask({ holdable: false }))).toMatchObject({
      kind: 'refuse',
      refusal: { reason: 'policy_approval_unsupported:pay', decision: 'denied', error: { error: 'manual_approval_denied' } },
    });
    expect(calls.reveal).toBe(0);
  });

  it('passes the request headers to the policy check (method-override headers count for matching)', () => {
    const { ctx, calls } = fakeContext();
    const headers = { 'x-http-method-override': 'DELETE' };
    decideRequest(ctx, ask({ headers }));
    expect(calls.checks[0]?.headers).toBe(headers);
  });

  it.each([
    ['a reserved header as target', secret({ type: 'generic', injectionConfig: { headerName: 'Host' } }), 'sk-reserved-77'],
    ['a value with a line break', secret(), 'sk\r\nX-Evil: 1'],
    ['an empty value', secret(), ''],
  ])('refuses with 502 a secret that cannot be injected (%s), never echoing the value', (_what, s, value) => {
    const { ctx } = fakeContext({ secret: s, value });
    const d = decideRequest(ctx, ask());
    expect(d).toMatchObject({ kind: 'refuse', refusal: { reason: 'injection_failed', decision: 'error', error: { status: 502 } } });
    if (value !== '') expect(JSON.stringify(d)).not.toContain(value);
  });
});

describe('decideRequest with a honeytoken', () => {
  const decoy = () => secret({ name: 'AWS root', type: 'honeytoken' });

  it('refuses before any rule (no block, limit or approval lets it through or hides it), never reads its value, and alerts once', () => {
    const rules: PolicyRule[] = [{ id: 'pay', action: 'manual_approval', hostPattern: 'api.pay.test' }];
    const { ctx, calls } = fakeContext({ secret: decoy(), value: 'decoy-value-123', rules });
    const alerts: unknown[] = [];
    ctx.approvals = { alert: (a) => void alerts.push(a) };
    for (const holdable of [true, false]) {
      const d = decideRequest(ctx, ask({ holdable, path: '/v1/charge?key=onecli-managed&page=2' }));
      expect(d).toMatchObject({ kind: 'refuse', secret: { name: 'AWS root' }, refusal: { reason: 'honeytoken', decision: 'blocked', error: { status: 403, error: 'blocked_by_policy' } } });
      expect(JSON.stringify(d)).not.toContain('decoy-value-123');
    }
    expect(calls.reveal).toBe(0);
    expect(calls.checks).toHaveLength(0);
    // The request as the audit log shows it: query values dropped.
    expect(alerts).toEqual(
      [0, 1].map(() => ({ kind: 'honeytoken', agentId: agent.id, agentIdentifier: agent.identifier, secretName: 'AWS root', method: 'POST', host: 'api.pay.test', path: '/v1/charge?key=&page=' })),
    );
  });

  it('is never looked up where no value is injected (plain HTTP, tunnels): a decoy is only used where a real one would be', () => {
    const { ctx } = fakeContext({ secret: decoy(), value: 'decoy-value-123' });
    const alerts: unknown[] = [];
    ctx.approvals = { alert: (a) => void alerts.push(a) };
    expect(decideRequest(ctx, ask({ inject: false }))).toEqual({ kind: 'forward', injection: null });
    expect(alerts).toEqual([]);
  });
});

describe('forwardWith (after an approval)', () => {
  it('reads the value current when the approval came, not the one when the request was held', () => {
    const { ctx, rotate } = fakeContext({ secret: secret(), value: 'old-value' });
    rotate('new-value');
    expect(forwardWith(ctx, secret(), 'api.example.com', { wait: true })).toMatchObject({ kind: 'forward', injection: { value: 'new-value' } });
  });
});

describe('an oauth2 secret', () => {
  const oauth = () => secret({ type: 'oauth2', name: 'gmail' });

  it('makes a request that can wait wait for its renewed token', () => {
    const ready = Promise.resolve();
    const { ctx } = fakeContext({ secret: oauth(), reading: { wait: ready } });
    const d = decideRequest(ctx, ask());
    expect(d).toMatchObject({ kind: 'wait', secret: { name: 'gmail' } });
    expect(d.kind === 'wait' && d.ready).toBe(ready);
  });

  it('refuses with app_not_connected and the connect URL when its provider refused to renew it', () => {
    const { ctx } = fakeContext({ secret: oauth(), reading: { revoked: 'invalid_grant' } });
    expect(decideRequest(ctx, ask({ host: 'gmail.googleapis.com' }))).toMatchObject({
      kind: 'refuse',
      refusal: {
        decision: 'not_connected',
        reason: 'oauth_refresh_failed:invalid_grant',
        error: { status: 401, error: 'app_not_connected', extra: { connect_url: 'http://vault.test:10254/connect?host=gmail.googleapis.com' } },
      },
    });
  });
});
