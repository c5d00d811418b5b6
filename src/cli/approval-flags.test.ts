import { describe, expect, it } from 'vitest';
import { decisionFromFlags } from './approvals-command.js';
import { ruleFromFlags } from './rules-command.js';

describe('approval and rule flags', () => {
  it('builds a decision, with a grant only on approve', () => {
    expect(decisionFromFlags('approve', {})).toEqual({ decision: 'approve' });
    expect(decisionFromFlags('approve', { reason: 'ok', grantMinutes: '15', grantPathPrefix: '/v1/' })).toEqual({
      decision: 'approve',
      reason: 'ok',
      grantMinutes: 15,
      grantPathPrefix: '/v1/',
    });
    expect(decisionFromFlags('deny', { reason: 'no' })).toEqual({ decision: 'deny', reason: 'no' });
    expect(() => decisionFromFlags('deny', { grantMinutes: '5' })).toThrow(/approve/);
    expect(decisionFromFlags('approve', { always: true })).toEqual({ decision: 'approve', always: true });
    expect(() => decisionFromFlags('deny', { always: true })).toThrow(/--always goes with approve/);
    expect(() => decisionFromFlags('approve', { grantMinutes: '0' })).toThrow(/1 to 1440/);
    expect(() => decisionFromFlags('approve', { grantMinutes: '1.5' })).toThrow(/whole number/);
    expect(() => decisionFromFlags('approve', { grantPathPrefix: '/v1' })).toThrow(/needs --grant-minutes/);
    expect(() => decisionFromFlags('approve', { grantMinutes: '5', grantPathPrefix: 'v1' })).toThrow(/start with \//);
  });

  it('builds a rule and insists on limit and window for rate limits', () => {
    expect(ruleFromFlags({ action: 'manual_approval', hostPattern: 'api.stripe.com', method: 'POST', agent: 'main', secret: 'Stripe' })).toEqual({
      action: 'manual_approval',
      hostPattern: 'api.stripe.com',
      method: 'POST',
      agentId: 'main',
      secretId: 'Stripe',
    });
    expect(ruleFromFlags({ action: 'rate_limit', hostPattern: 'a.test', limit: '10', window: 'hour' })).toMatchObject({ limit: 10, window: 'hour' });
    expect(() => ruleFromFlags({ action: 'rate_limit', hostPattern: 'a.test', limit: '10' })).toThrow(/--window/);
    expect(() => ruleFromFlags({ action: 'block', hostPattern: 'a.test', limit: 'many' })).toThrow(/--limit/);
  });
});
