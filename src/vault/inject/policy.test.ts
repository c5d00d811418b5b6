import { describe, expect, it } from 'vitest';
import { PolicyRuleSchema, type PolicyRule } from '../model/policy-rule.js';
import { evaluatePolicy, explainRule, type PolicyRequest } from './policy.js';
import { RateLimiter } from './rate-limiter.js';

const rule = (input: Record<string, unknown>): PolicyRule => PolicyRuleSchema.parse(input);
const base: Omit<PolicyRequest, 'rules'> = {
  agentId: 'agent-a',
  method: 'GET',
  host: 'api.github.com',
  path: '/repos/x',
  secretId: 'sec-gh',
  now: 1_000_000,
};

describe('PolicyRuleSchema', () => {
  it('normalizes host and method and requires limit and window for rate limits', () => {
    const r = rule({ id: 'r1', action: 'block', hostPattern: 'API.GitHub.com.', method: 'delete' });
    expect(r).toMatchObject({ hostPattern: 'api.github.com', method: 'DELETE' });
    expect(PolicyRuleSchema.safeParse({ id: 'r2', action: 'rate_limit', hostPattern: 'a.com' }).success).toBe(false);
    expect(PolicyRuleSchema.safeParse({ id: 'r3', action: 'rate_limit', hostPattern: 'a.com', limit: 5, window: 'hour' }).success).toBe(true);
    expect(PolicyRuleSchema.safeParse({ id: 'r4', action: 'allow', hostPattern: 'a.com' }).success).toBe(false);
    expect(PolicyRuleSchema.safeParse({ id: 'r5', action: 'block', hostPattern: 'https://a.com' }).success).toBe(false);
  });
});

describe('evaluatePolicy', () => {
  it('allows when no rule applies', () => {
    const d = evaluatePolicy({ ...base, rules: [rule({ id: 'b', action: 'block', hostPattern: 'api.openai.com' })] }, new RateLimiter());
    expect(d).toEqual({ decision: 'allow', explain: 'Allowed: no policy rule applies.' });
  });

  it('blocks by host, path, method, agent and secret — only when all given conditions hold', () => {
    const block = rule({ id: 'no-delete', action: 'block', hostPattern: '*.github.com', pathPattern: '/repos/*', method: 'DELETE', agentId: 'agent-a' });
    const limiter = new RateLimiter();
    const decide = (over: Partial<PolicyRequest>) => evaluatePolicy({ ...base, rules: [block], ...over }, limiter).decision;
    expect(decide({ method: 'delete' })).toBe('block');
    expect(decide({ method: 'GET' })).toBe('allow');
    expect(decide({ method: 'DELETE', agentId: 'agent-b' })).toBe('allow');
    expect(decide({ method: 'DELETE', path: '/user' })).toBe('allow');
    expect(decide({ method: 'DELETE', host: 'github.com' })).toBe('allow');
    expect(decide({ method: 'DELETE', path: '/user/%2e%2e/repos/x' })).toBe('block');
    const bySecret = rule({ id: 's', action: 'block', hostPattern: 'api.github.com', secretId: 'sec-gh' });
    expect(evaluatePolicy({ ...base, rules: [bySecret] }, limiter).decision).toBe('block');
    expect(evaluatePolicy({ ...base, secretId: null, rules: [bySecret] }, limiter).decision).toBe('allow');
  });

  it('counts a method-override header as the method, under any of the three names', () => {
    const block = rule({ id: 'no-delete', action: 'block', hostPattern: 'api.github.com', method: 'DELETE' });
    const decide = (headers: PolicyRequest['headers']) =>
      evaluatePolicy({ ...base, method: 'POST', headers, rules: [block] }, new RateLimiter()).decision;
    expect(decide(undefined)).toBe('allow');
    expect(decide({ 'content-type': 'application/json' })).toBe('allow');
    expect(decide({ 'x-http-method-override': 'DELETE' })).toBe('block');
    expect(decide({ 'x-http-method': 'delete' })).toBe('block');
    expect(decide({ 'x-method-override': ' Delete ' })).toBe('block');
    expect(decide({ 'x-http-method-override': ['PATCH', 'DELETE'] })).toBe('block');
    expect(decide({ 'x-http-method-override': 'PATCH, DELETE' })).toBe('block');
    expect(decide({ 'x-http-method-override': 'PATCH' })).toBe('allow');
    // The method as sent still counts: an override does not hide it.
    const noPost = rule({ id: 'no-post', action: 'block', hostPattern: 'api.github.com', method: 'POST' });
    expect(evaluatePolicy({ ...base, method: 'POST', headers: { 'x-http-method-override': 'GET' }, rules: [noPost] }, new RateLimiter()).decision).toBe('block');
  });

  it('blocks a path under any reading: encoded letters, dot segments, repeated slashes', () => {
    const block = rule({ id: 'adm', action: 'block', hostPattern: 'api.github.com', pathPattern: '/admin/*' });
    for (const path of ['/x/../admin/y', '//admin/y', '/%61dmin/y', '/x/%2e%2e/%61dmin/y?z', '/x//..//admin/y']) {
      expect(evaluatePolicy({ ...base, path, rules: [block] }, new RateLimiter()).decision, path).toBe('block');
    }
    expect(evaluatePolicy({ ...base, path: '/v1/x?next=/admin/y', rules: [block] }, new RateLimiter()).decision).toBe('allow');
  });

  it('explains a block with the rule', () => {
    const block = rule({ id: 'r9', action: 'block', hostPattern: 'api.github.com', pathPattern: '/admin/*', method: 'POST' });
    const d = evaluatePolicy({ ...base, method: 'POST', path: '/admin/x', rules: [block] }, new RateLimiter());
    expect(d.rule?.id).toBe('r9');
    expect(d.explain).toBe('Blocked by policy: Blocks POST requests to api.github.com/admin/* (rule r9).');
  });

  it('rate-limits per agent within the window and reports when to retry', () => {
    const limit = rule({ id: 'rl', action: 'rate_limit', hostPattern: 'api.github.com', limit: 2, window: 'minute' });
    const limiter = new RateLimiter();
    const at = (now: number, agentId = 'agent-a') => evaluatePolicy({ ...base, agentId, now, rules: [limit] }, limiter);
    expect(at(0).decision).toBe('allow');
    expect(at(1_000).decision).toBe('allow');
    const limited = at(2_000);
    expect(limited).toMatchObject({ decision: 'rate_limited', retryAfterMs: 58_000 });
    expect(limited.explain).toContain('at most 2 requests per minute to api.github.com');
    expect(at(2_000, 'agent-b').decision).toBe('allow');
    expect(at(60_000).decision).toBe('allow');
    expect(at(60_500).decision).toBe('rate_limited');
  });

  it('counts day and hour windows and uses no quota for refused requests', () => {
    const hourly = rule({ id: 'h', action: 'rate_limit', hostPattern: 'api.github.com', limit: 1, window: 'hour' });
    const daily = rule({ id: 'd', action: 'rate_limit', hostPattern: 'api.github.com', limit: 2, window: 'day' });
    const limiter = new RateLimiter();
    const at = (now: number) => evaluatePolicy({ ...base, now, rules: [hourly, daily] }, limiter);
    expect(at(0).decision).toBe('allow');
    expect(at(10 * 60_000)).toMatchObject({ decision: 'rate_limited', rule: { id: 'h' } });
    expect(at(3_600_000).decision).toBe('allow'); // second of the day
    expect(at(7_200_000)).toMatchObject({ decision: 'rate_limited', rule: { id: 'd' } });
    expect(at(86_400_000).decision).toBe('allow');
  });

  it('block beats rate limit beats manual approval', () => {
    const approval = rule({ id: 'ap', action: 'manual_approval', hostPattern: 'api.github.com', method: 'POST' });
    const limit = rule({ id: 'rl', action: 'rate_limit', hostPattern: 'api.github.com', limit: 1, window: 'minute' });
    const block = rule({ id: 'bl', action: 'block', hostPattern: 'api.github.com', pathPattern: '/admin' });
    const limiter = new RateLimiter();
    const decide = (path: string) => evaluatePolicy({ ...base, method: 'POST', path, rules: [approval, limit, block] }, limiter);
    expect(decide('/admin').decision).toBe('block');
    expect(decide('/repos')).toMatchObject({ decision: 'manual_approval', rule: { id: 'ap' } });
    expect(decide('/repos').decision).toBe('rate_limited');
  });
});

describe('explainRule', () => {
  it('says what each action does', () => {
    expect(explainRule(rule({ id: 'a', action: 'manual_approval', hostPattern: '*.example.com', agentId: 'ag' }))).toBe(
      'Holds requests to *.example.com from agent ag for manual approval (rule a)',
    );
    expect(explainRule(rule({ id: 'b', action: 'rate_limit', hostPattern: 'x.com', limit: 10, window: 'hour', method: 'get' }))).toBe(
      'Allows at most 10 GET requests per hour to x.com, counted per agent (rule b)',
    );
  });
});
