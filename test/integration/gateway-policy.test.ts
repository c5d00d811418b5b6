import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyRule } from '../../src/vault/model/policy-rule.js';
import type { UpstreamHandler } from '../support/tls-upstream.js';
import { startHarness, viaProxy, type Harness } from './gateway-harness.js';

const VALUE = 'ghp_POLICYtestValue0123456789abcdef';

// Like a real API: no credential, no service.
const handler: UpstreamHandler = (req, res) => {
  const key = req.headers['x-api-key'];
  const status = key === 'rejected-native-key' ? 401 : req.headers.authorization || key ? 200 : req.url === '/forbidden' ? 403 : 401;
  res.writeHead(status, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
  res.end(JSON.stringify({ status, path: req.url }));
};

const rules: PolicyRule[] = [];
let h: Harness;
let connected: string;
let unconnected: string;

beforeAll(async () => {
  h = await startHarness({ handler, gateway: { policyRules: () => rules } });
  const a = h.store.agents.create({ name: 'with', identifier: 'with-secret', secretMode: 'selective' });
  const b = h.store.agents.create({ name: 'without', identifier: 'without-secret', secretMode: 'selective' });
  connected = a.token;
  unconnected = b.token;
  const id = h.addSecret({ name: 'gh', type: 'api_key', value: VALUE, hostPattern: 'api.github.test' });
  h.store.agents.setSecretIds(a.agent.id, [id]);
});

afterAll(async () => {
  await h?.close();
});

const call = (token: string, host: string, path = '/', method = 'GET') =>
  viaProxy(h.gateway.port, { token, connect: `${host}:${h.upstream.port}`, ca: h.vaultCaPem, path, method });

describe('app_not_connected', () => {
  it.each([
    ['a host with another agent’s secret', 'api.github.test', '/user'],
    ['a well-known credentialed host without any secret', 'api.openai.com', '/forbidden'],
  ])('turns an upstream refusal on %s into app_not_connected', async (_what, host, path) => {
    const res = await call(unconnected, host, path);
    expect(res.status).toBe(401);
    expect(res.headers['x-should-retry']).toBe('false');
    expect(res.headers['content-type']).toBe('application/json');
    const connectUrl = `http://vault.test:10254/connect?host=${host}`;
    const message = expect.stringContaining(`${host} answered unauthorized`) as unknown as string;
    // OpenAI's SDK shows only error.message, so its hosts get an error object (src/vault/inject/client-refusal.ts).
    const error = host === 'api.openai.com' ? { message, type: 'app_not_connected', code: 'credential_not_found', connect_url: connectUrl } : 'app_not_connected';
    expect(JSON.parse(res.body)).toEqual({ error, code: 'credential_not_found', message, connect_url: connectUrl });
    expect(JSON.parse(res.body).message).toContain(connectUrl);
    const row = h.rows()[0];
    expect(row).toMatchObject({ host, decision: 'not_connected', status: 401, agentIdentifier: 'without-secret' });
  });

  it('passes a refusal of the agent’s own credential through unchanged (native opt-out)', async () => {
    const res = await viaProxy(h.gateway.port, {
      token: unconnected,
      connect: `api.openai.com:${h.upstream.port}`,
      ca: h.vaultCaPem,
      path: '/v1/models',
      headers: { 'x-api-key': 'rejected-native-key' },
    });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({ status: 401, path: '/v1/models' });
    expect(res.headers['x-should-retry']).toBeUndefined();
  });

  it('passes the upstream answer through when a credential was injected', async () => {
    const res = await call(connected, 'api.github.test', '/user');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 200, path: '/user' });
  });
});

describe('policy rules', () => {
  it('blocks a matching request with 403 blocked_by_policy and sends nothing', async () => {
    rules.splice(0, rules.length, { id: 'no-delete', action: 'block', hostPattern: 'api.github.test', pathPattern: '/repos/*', method: 'DELETE' });
    const before = h.upstream.requests.length;
    const res = await call(connected, 'api.github.test', '/repos/x/y', 'DELETE');
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'blocked_by_policy', message: expect.stringContaining('no-delete') });
    expect(h.upstream.requests.length).toBe(before);
    expect((await call(connected, 'api.github.test', '/repos/x/y', 'GET')).status).toBe(200);
    expect(h.rows()[1]).toMatchObject({ decision: 'blocked', status: 403, secretName: 'gh' });
  });

  it('rate-limits with 429 rate_limited and Retry-After once the quota is used', async () => {
    rules.splice(0, rules.length, { id: 'two', action: 'rate_limit', hostPattern: 'api.github.test', limit: 2, window: 'minute' });
    expect((await call(connected, 'api.github.test', '/a')).status).toBe(200);
    expect((await call(connected, 'api.github.test', '/b')).status).toBe(200);
    const third = await call(connected, 'api.github.test', '/c');
    expect(third.status).toBe(429);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(third.body).error).toBe('rate_limited');
    expect(h.rows()[0]).toMatchObject({ decision: 'rate_limited', status: 429 });
  });

  it('blocks a tunnelled host at CONNECT', async () => {
    rules.splice(0, rules.length, { id: 'no-other', action: 'block', hostPattern: 'other.test' });
    const res = await viaProxy(h.gateway.port, { token: connected, connect: `other.test:${h.upstream.port}`, ca: h.upstream.caPem });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error).toBe('blocked_by_policy');
    rules.length = 0;
  });

  it('never logs or audits the value', () => {
    expect(JSON.stringify(h.rows()) + h.logLines.join('\n')).not.toContain(VALUE);
  });
});
