import { describe, expect, it } from 'vitest';
import type { Secret } from '../model/records.js';
import { PLACEHOLDER } from '../../common/placeholder.js';
import { applyInjection, injectionTarget, type InjectionInput } from './apply-injection.js';
import { replacePlaceholder } from './placeholder.js';
import { testSecret } from '../../../test/support/vault-fixtures.js';

// A value with regex-replacement specials: String.replace would mangle `$&`.
const VALUE = 'test-value-$&-$1-9f3a';

function secret(overrides: Partial<Secret>): Secret {
  return testSecret({ id: 'sec_1', name: 'test', type: 'api_key', hostPattern: 'api.example.com', ...overrides });
}

/** applyInjection for a request to api.example.com unless the test says otherwise. */
const inject = (input: Omit<InjectionInput, 'host'> & { host?: string }) => applyInjection({ host: 'api.example.com', ...input });

const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`;
const unbasic = (header: string) => Buffer.from(header.replace(/^Basic /, ''), 'base64').toString();

describe('applyInjection by secret type', () => {
  it('anthropic OAuth token → Authorization: Bearer, x-api-key removed', () => {
    const oat = 'sk-ant-oat01-testtoken';
    const out = inject({
      secret: secret({ type: 'anthropic' }),
      value: oat,
      headers: { 'X-Api-Key': PLACEHOLDER, 'content-type': 'application/json' },
      path: '/v1/messages',
    });
    expect(out.headers).toEqual({ authorization: `Bearer ${oat}`, 'content-type': 'application/json' });
    expect(out.injectedInto).toBe('header:authorization');
  });

  it('anthropic API key → x-api-key, authorization removed even when the agent sent one', () => {
    const out = inject({
      secret: secret({ type: 'anthropic' }),
      value: 'sk-ant-api03-testkey',
      headers: { authorization: `Bearer ${PLACEHOLDER}`, 'anthropic-version': '2023-06-01' },
      path: '/v1/messages',
    });
    expect(out.headers).toEqual({ 'x-api-key': 'sk-ant-api03-testkey', 'anthropic-version': '2023-06-01' });
    expect(out.injectedInto).toBe('header:x-api-key');
  });

  it.each(['openai', 'api_key'] as const)('%s → Authorization: Bearer, set even when absent', (type) => {
    const out = inject({ secret: secret({ type }), value: VALUE, headers: { accept: '*/*' }, path: '/v1/x' });
    expect(out.headers).toEqual({ accept: '*/*', authorization: `Bearer ${VALUE}` });
  });

  it('replaces an agent-sent Authorization instead of keeping it', () => {
    const out = inject({ secret: secret({ type: 'openai' }), value: VALUE, headers: { Authorization: 'Bearer agent-made-up' }, path: '/' });
    expect(out.headers.authorization).toBe(`Bearer ${VALUE}`);
    expect(Object.keys(out.headers)).toEqual(['authorization']);
  });

  it('generic header with a value format, header name lower-cased', () => {
    const out = inject({
      secret: secret({ type: 'generic', injectionConfig: { headerName: 'X-Custom-Auth', valueFormat: 'Token {value}' } }),
      value: VALUE,
      headers: {},
      path: '/',
    });
    expect(out.headers).toEqual({ 'x-custom-auth': `Token ${VALUE}` });
    expect(out.injectedInto).toBe('header:x-custom-auth');
  });

  it.each(['generic', 'oauth2'] as const)('%s with a header config goes there; without one it is Bearer', (type) => {
    const bare = inject({ secret: secret({ type, injectionConfig: { headerName: 'X-Key' } }), value: VALUE, headers: {}, path: '/' });
    expect(bare.headers).toEqual({ 'x-key': VALUE });
    const bearer = inject({ secret: secret({ type }), value: VALUE, headers: {}, path: '/' });
    expect(bearer.headers).toEqual({ authorization: `Bearer ${VALUE}` });
  });

  it('generic query parameter: appended, or replacing the agent’s, other parameters untouched', () => {
    const s = secret({ type: 'generic', injectionConfig: { paramName: 'key' } });
    const added = inject({ secret: s, value: 'a b&c=d', headers: {}, path: '/v1/models' });
    expect(added.path).toBe('/v1/models?key=a%20b%26c%3Dd');
    expect(added.injectedInto).toBe('query:key');
    const replaced = inject({ secret: s, value: 'k1', headers: {}, path: `/v1/x?alt=json&key=${PLACEHOLDER}&q=a+b%2Fc&key=dup&empty` });
    expect(replaced.path).toBe('/v1/x?alt=json&key=k1&q=a+b%2Fc&empty');
    const formatted = inject({
      secret: secret({ type: 'generic', injectionConfig: { paramName: 'auth', paramFormat: 'tok:{value}' } }),
      value: 'k2',
      headers: {},
      path: '/?a=1',
    });
    expect(formatted.path).toBe('/?a=1&auth=tok%3Ak2');
  });

  it('never injects into a header the proxy owns', () => {
    const s = secret({ type: 'generic', injectionConfig: { headerName: 'Host' } });
    expect(() => inject({ secret: s, value: VALUE, headers: {}, path: '/' })).toThrow(expect.objectContaining({ code: 'invalid_secret' }));
  });

  it('refuses a value that would split the header, without echoing it', () => {
    const attempt = () => inject({ secret: secret({}), value: 'abc\r\nX-Evil: 1', headers: {}, path: '/' });
    expect(attempt).toThrow(expect.objectContaining({ code: 'invalid_secret' }));
    expect(attempt).not.toThrow(/X-Evil/);
  });
});

describe('placeholder replacement', () => {
  it('replaces the placeholder in auth headers and in any header that carries it', () => {
    const out = inject({
      secret: secret({ type: 'generic', injectionConfig: { headerName: 'X-Other' } }),
      value: VALUE,
      headers: {
        'x-goog-api-key': PLACEHOLDER,
        'x-custom-token': `t=${PLACEHOLDER}`,
        cookie: ['a=1', `s=${PLACEHOLDER}`],
        'user-agent': 'curl/8',
      },
      path: '/',
    });
    expect(out.headers['x-goog-api-key']).toBe(VALUE);
    expect(out.headers['x-custom-token']).toBe(`t=${VALUE}`);
    expect(out.headers.cookie).toEqual(['a=1', `s=${VALUE}`]);
    expect(out.headers['user-agent']).toBe('curl/8');
    expect(JSON.stringify(out.headers)).not.toContain(PLACEHOLDER);
  });

  it('replaces the placeholder inside a Basic user:password pair', () => {
    const s = secret({ type: 'generic', injectionConfig: { headerName: 'Authorization', valueFormat: 'Bearer {value}' } });
    const asPassword = inject({ secret: secret({ type: 'generic', injectionConfig: { headerName: 'X-Token' } }), value: 'ghp_test', headers: { authorization: basic(`x-access-token:${PLACEHOLDER}`) }, path: '/' });
    expect(unbasic(asPassword.headers.authorization as string)).toBe('x-access-token:ghp_test');
    expect(asPassword.headers['x-token']).toBe('ghp_test');
    const asUser = replacePlaceholder(basic(`${PLACEHOLDER}:`), 'ghp_test', true);
    expect(unbasic(asUser)).toBe('ghp_test:');
    // The configured header is itself auth-ish: its Basic pair would be decoded too, then overwritten.
    expect(inject({ secret: s, value: 'v', headers: { authorization: basic(`u:${PLACEHOLDER}`) }, path: '/' }).headers.authorization).toBe('Bearer v');
  });

  it('leaves Basic pairs without the placeholder, non-auth headers’ Basic pairs and Proxy-Authorization alone', () => {
    const real = basic('user:real-password');
    expect(replacePlaceholder(real, VALUE, true)).toBe(real);
    const encoded = basic(`u:${PLACEHOLDER}`);
    expect(replacePlaceholder(encoded, VALUE, false)).toBe(encoded);
    const proxy = basic(`x:${PLACEHOLDER}`);
    const out = inject({ secret: secret({ type: 'openai' }), value: VALUE, headers: { 'proxy-authorization': `${PLACEHOLDER} ${proxy}` }, path: '/' });
    expect(out.headers['proxy-authorization']).toBe(`${PLACEHOLDER} ${proxy}`);
  });

  it('never rewrites framing or routing headers', () => {
    const host = `${PLACEHOLDER}.example.com`;
    const out = inject({ secret: secret({ type: 'openai' }), value: VALUE, headers: { host, connection: PLACEHOLDER }, path: '/' });
    expect(out.headers.host).toBe(host);
    expect(out.headers.connection).toBe(PLACEHOLDER);
  });

  it('returns new objects and leaves the input untouched', () => {
    const headers = { Authorization: `Bearer ${PLACEHOLDER}` };
    const out = inject({ secret: secret({ type: 'openai' }), value: VALUE, headers, path: '/' });
    expect(headers).toEqual({ Authorization: `Bearer ${PLACEHOLDER}` });
    expect(out.headers).not.toBe(headers);
  });

  it('keeps headers named like prototype properties as ordinary entries, once each', () => {
    // JSON.parse makes `__proto__` an own property, as a parsed request head does.
    const headers = JSON.parse('{"__proto__":"p","constructor":"c","toString":"t","hasOwnProperty":"h"}') as Record<string, string>;
    const out = inject({ secret: secret({ type: 'openai' }), value: VALUE, headers, path: '/' });
    expect(Object.getPrototypeOf(out.headers)).toBeNull();
    expect(Object.entries(out.headers)).toEqual([
      ['__proto__', 'p'], ['constructor', 'c'], ['tostring', 't'], ['hasownproperty', 'h'], ['authorization', `Bearer ${VALUE}`],
    ]);
  });

  it('drops undefined header values and merges names that differ only in case', () => {
    const out = inject({ secret: secret({ type: 'openai' }), value: VALUE, headers: { 'X-A': '1', 'x-a': '2', gone: undefined }, path: '/' });
    expect(out.headers['x-a']).toEqual(['1', '2']);
    expect('gone' in out.headers).toBe(false);
  });
});

describe('injectionTarget by host', () => {
  const token = 'ghp_test-token';
  const bearerGeneric = secret({ type: 'generic', injectionConfig: { headerName: 'Authorization', valueFormat: 'Bearer {value}' } });

  it('gives git on github.com the token as Basic x-access-token:<token>, and the API a Bearer', () => {
    for (const s of [secret({ type: 'api_key' }), secret({ type: 'generic' }), bearerGeneric]) {
      const git = injectionTarget(s, token, 'github.com');
      expect(git.kind === 'header' && unbasic(git.value)).toBe(`x-access-token:${token}`);
      expect(git).toMatchObject({ kind: 'header', name: 'authorization' });
      expect(injectionTarget(s, token, 'api.github.com')).toMatchObject({ name: 'authorization', value: `Bearer ${token}` });
    }
  });

  it('leaves a form that is not a Bearer token as it is, also on github.com', () => {
    const custom = secret({ type: 'generic', injectionConfig: { headerName: 'X-Token', valueFormat: '{value}' } });
    expect(injectionTarget(custom, token, 'github.com')).toMatchObject({ name: 'x-token', value: token });
  });

  it('applies the Basic form from a Host header with a port, replacing the credential helper’s placeholder pair', () => {
    const out = inject({ secret: secret({}), value: token, host: 'github.com:443', headers: { authorization: basic(`x-access-token:${PLACEHOLDER}`) }, path: '/o/r.git/info/refs' });
    expect(unbasic(out.headers.authorization as string)).toBe(`x-access-token:${token}`);
  });
});
