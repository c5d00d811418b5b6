import { describe, expect, it } from 'vitest';
import type { PolicyRule } from '../model/policy-rule.js';
import type { Agent } from '../model/records.js';
import { PolicyGate } from './policy-gate.js';

const agent: Agent = {
  id: 'a1',
  name: 'a',
  identifier: 'a',
  secretMode: 'all',
  egressPolicy: 'tunnel',
  allowHosts: [],
  createdAt: '2025-01-01T00:00:00.000Z',
};
const rules: PolicyRule[] = [
  { id: 'pay', action: 'manual_approval', hostPattern: 'api.pay.test', method: 'POST' },
  { id: 'no-del', action: 'block', hostPattern: 'api.pay.test', method: 'DELETE' },
];
const req = (method: string) => ({ agent, host: 'api.pay.test', method, path: '/charge' });

describe('PolicyGate and manual approval', () => {
  it('holds a matching request when the gateway has approvals', () => {
    const v = new PolicyGate({ rules: () => rules, approvals: true }).checkOrHold(req('POST'), null);
    expect(v).toMatchObject({ hold: { id: 'pay' }, explain: expect.stringContaining('rule pay') });
  });

  it('denies it without approvals', () => {
    const v = new PolicyGate({ rules: () => rules }).checkOrHold(req('POST'), null);
    expect(v).toMatchObject({ reason: 'policy_approval_unavailable:pay', decision: 'denied', error: { status: 403, error: 'manual_approval_denied' } });
  });

  it('denies it where a request cannot be held (check), even with approvals', () => {
    const v = new PolicyGate({ rules: () => rules, approvals: true }).check(req('POST'), null);
    expect(v).toMatchObject({ reason: 'policy_approval_unsupported:pay', decision: 'denied' });
    expect(v && 'error' in v ? v.error.message : '').toContain('cannot be held');
  });

  it('still blocks and allows as before', () => {
    const gate = new PolicyGate({ rules: () => rules, approvals: true });
    expect(gate.checkOrHold(req('DELETE'), null)).toMatchObject({ decision: 'blocked', reason: 'policy_block:no-del' });
    expect(gate.checkOrHold(req('GET'), null)).toBeNull();
  });

  it('passes the headers on, so a method override is seen', () => {
    const gate = new PolicyGate({ rules: () => rules, approvals: true });
    expect(gate.checkOrHold({ ...req('POST'), headers: { 'x-http-method-override': 'DELETE' } }, null)).toMatchObject({ reason: 'policy_block:no-del' });
  });

  it('reads the rules at most once per TTL, so a busy gateway does not query the store per request', () => {
    let reads = 0;
    let current: PolicyRule[] = [];
    const gate = new PolicyGate({ rules: () => (reads++, current), approvals: true, ttlMs: 60_000 });
    for (let i = 0; i < 5; i++) expect(gate.checkOrHold(req('POST'), null)).toBeNull();
    expect(reads).toBe(1);
    current = rules;
    expect(gate.checkOrHold(req('POST'), null)).toBeNull(); // still the cached (empty) list within the TTL
    const fresh = new PolicyGate({ rules: () => current, approvals: true, ttlMs: 0 });
    expect(fresh.checkOrHold(req('POST'), null)).toMatchObject({ hold: { id: 'pay' } });
  });
});

