import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodedForms } from '../../src/common/redact.js';
import { startHarness, viaProxy, type Harness } from './gateway-harness.js';

// Distinct fake values per secret type, so a header carrying the wrong one shows.
const V = {
  github: 'ghp_TESTgithubValue0123456789abcdefXYZ',
  ant_key: 'sk-ant-api03-TESTapikeyvalue-0123456789',
  ant_oauth: 'sk-ant-oat01-TESToauthvalue-0123456789',
  openai: 'sk-TESTopenaivalue0123456789abcdefgh',
  header: 'hdr-TEST-value-0123456789',
  query: 'qry/TEST value&=0123456789',
  apikey: 'apikey-TEST-0123456789',
  wild: 'wild-TEST-0123456789',
  agentB: 'agentB-only-TEST-0123456789',
};

let h: Harness;
let tokenA: string;
let tokenB: string;
let port: number;

beforeAll(async () => {
  h = await startHarness();
  port = h.upstream.port;
  const a = h.store.agents.create({ name: 'a', identifier: 'agent-a', secretMode: 'selective' });
  tokenA = a.token;
  const b = h.store.agents.create({ name: 'b', identifier: 'agent-b', secretMode: 'selective' });
  tokenB = b.token;
  h.addSecret({ name: 'github', type: 'generic', value: V.github, hostPattern: 'api.github.test', injectionConfig: { headerName: 'Authorization', valueFormat: 'token {value}' } });
  h.addSecret({ name: 'anthropic', type: 'anthropic', value: V.ant_key, hostPattern: 'api.anthropic.com' });
  h.addSecret({ name: 'openai', type: 'openai', value: V.openai, hostPattern: 'api.openai.com' });
  h.addSecret({ name: 'wild', type: 'api_key', value: V.wild, hostPattern: '*.github.test' });
  h.addSecret({ name: 'query', type: 'generic', value: V.query, hostPattern: 'plain.test', injectionConfig: { paramName: 'key' } });
  const onlyB = h.addSecret({ name: 'only-b', type: 'generic', value: V.agentB, hostPattern: 'other.test', injectionConfig: { headerName: 'x-token' } });
  h.store.agents.setSecretIds(b.agent.id, [onlyB]);
  h.store.agents.setSecretIds(a.agent.id, h.store.secrets.list().filter((s) => s.id !== onlyB).map((s) => s.id));
});

afterAll(async () => {
  await h?.close();
});

const get = (token: string | null, host: string, extra: { path?: string; headers?: Record<string, string>; servername?: string } = {}) =>
  viaProxy(h.gateway.port, { token, connect: `${host}:${port}`, ca: [h.vaultCaPem, h.upstream.caPem], ...extra });

const lastRequest = () => h.upstream.requests.at(-1);

describe('injection per secret type', () => {
  it('generic header with a value format, set although the agent sent none', async () => {
    const res = await get(tokenA, 'api.github.test', { path: '/user?x=1' });
    expect(res.status).toBe(200);
    expect(lastRequest()?.headers.authorization).toBe(`token ${V.github}`);
    expect(lastRequest()?.url).toBe('/user?x=1');
  });

  it('anthropic API key goes in x-api-key and the agent authorization header is removed', async () => {
    await get(tokenA, 'api.anthropic.com', { headers: { authorization: 'Bearer onecli-managed', 'x-api-key': 'onecli-managed' } });
    const got = lastRequest();
    expect(got?.headers['x-api-key']).toBe(V.ant_key);
    expect(got?.headers.authorization).toBeUndefined();
  });

  it('anthropic OAuth token goes in Authorization: Bearer', async () => {
    const id = h.store.secrets.getByName('anthropic')?.id ?? '';
    h.store.secrets.update(id, { value: V.ant_oauth });
    await new Promise((r) => setTimeout(r, 1100)); // past the per-connection grant cache
    await get(tokenA, 'api.anthropic.com', { headers: { 'x-api-key': 'onecli-managed' } });
    expect(lastRequest()?.headers.authorization).toBe(`Bearer ${V.ant_oauth}`);
    expect(lastRequest()?.headers['x-api-key']).toBeUndefined();
  });

  it('openai replaces the placeholder bearer', async () => {
    await get(tokenA, 'api.openai.com', { headers: { authorization: 'Bearer onecli-managed' } });
    expect(lastRequest()?.headers.authorization).toBe(`Bearer ${V.openai}`);
  });

  it('api_key on a wildcard pattern, replacing a placeholder inside a Basic pair elsewhere', async () => {
    const basic = `Basic ${Buffer.from('user:onecli-managed').toString('base64')}`;
    await get(tokenA, 'x.github.test', { headers: { 'x-other-auth': 'onecli-managed', 'x-api-key': basic } });
    const got = lastRequest();
    expect(got?.headers.authorization).toBe(`Bearer ${V.wild}`);
    expect(got?.headers['x-api-key']).toBe(`Basic ${Buffer.from(`user:${V.wild}`).toString('base64')}`);
    expect(JSON.stringify(got?.rawHeaders)).not.toContain('onecli-managed');
  });

  it('generic query parameter, URL-encoded, replacing one the agent sent', async () => {
    await get(tokenA, 'plain.test', { path: '/v1/data?key=onecli-managed&page=2' });
    expect(lastRequest()?.url).toBe(`/v1/data?key=${encodeURIComponent(V.query)}&page=2`);
  });

  it('never forwards Proxy-Authorization', () => {
    for (const r of h.upstream.requests) {
      expect(r.headers['proxy-authorization']).toBeUndefined();
      expect(JSON.stringify(r.rawHeaders)).not.toContain(tokenA);
    }
  });
});

describe('values never reach neighbouring hosts', () => {
  it.each([
    ['evil-api.github.test', V.wild],
    ['api.github.test.evil.test', null],
    ['github.test', null],
  ])('%s gets only what its own pattern allows', async (host, expected) => {
    await get(tokenA, host);
    const got = lastRequest();
    expect(got?.servername).toBe(host);
    expect(got?.headers.authorization ?? null).toBe(expected === null ? null : `Bearer ${expected}`);
    expect(JSON.stringify(got?.rawHeaders)).not.toContain(V.github);
  });

  it.each(['API.GitHub.test', 'api.github.test.'])('matches %s as the same host', async (host) => {
    const res = await get(tokenA, host, { servername: 'api.github.test' });
    expect(res.status).toBe(200);
    expect(lastRequest()?.headers.authorization).toBe(`token ${V.github}`);
  });

  it('a Host header on another port than the CONNECT is refused with 421 and nothing is sent', async () => {
    const before = h.upstream.requests.length;
    const res = await get(tokenA, 'api.github.test', { headers: { host: `api.github.test:${port + 1}` } });
    expect(res.status).toBe(421);
    expect(h.upstream.requests.length).toBe(before);
  });
});

describe('agents and proxy authentication', () => {
  it.each([[null], ['aoc_' + '0'.repeat(64)]])('answers 407 with a challenge for token %s', async (token) => {
    const res = await get(token, 'api.github.test');
    expect(res.status).toBe(407);
    expect(res.headers['proxy-authenticate']).toBe('Basic realm="nanoclaw"');
    expect(res.headers['x-should-retry']).toBe('false');
  });

  it("agent A's token cannot use agent B's secret, and B gets only its own", async () => {
    await get(tokenA, 'other.test');
    expect(lastRequest()?.headers['x-token']).toBeUndefined();
    await get(tokenB, 'other.test');
    expect(lastRequest()?.headers['x-token']).toBe(V.agentB);
    await get(tokenB, 'api.github.test');
    expect(lastRequest()?.headers.authorization).toBeUndefined();
  });
});

describe('audit and logs', () => {
  it('writes one row per request with the secret name, never a value, and query values dropped', () => {
    const rows = h.rows();
    const injected = rows.find((r) => r.host === 'plain.test' && r.decision === 'injected');
    expect(injected).toMatchObject({ secretName: 'query', status: 200, path: '/v1/data?key=&page=', agentIdentifier: 'agent-a' });
    expect(rows.some((r) => r.status === 407 && r.decision === 'denied')).toBe(true);
    expect(rows.some((r) => r.status === 421 && r.reason === 'host_mismatch')).toBe(true);
    const all = JSON.stringify(rows) + h.logLines.join('\n');
    for (const value of Object.values(V)) for (const form of encodedForms(value)) expect(all).not.toContain(form);
  });
});
