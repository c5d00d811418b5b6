import { describe, expect, it } from 'vitest';
import { anthropicSecret, checkToken, customEndpointSecret, extractOauthToken, tokenKind } from './anthropic-token.js';

const API = `sk-ant-api03-${'a1'.repeat(20)}`;
const OAT = `sk-ant-oat01-${'b2'.repeat(20)}`;

describe('Anthropic credentials', () => {
  it('tells an API key from an OAuth token by prefix, and rejects anything else', () => {
    expect(tokenKind(API)).toBe('api-key');
    expect(tokenKind(OAT)).toBe('oauth');
    expect(tokenKind('sk-proj-abc')).toBeNull();
    expect(tokenKind(`${API} extra`)).toBeNull();
    expect(tokenKind('')).toBeNull();
  });

  it('checks a pasted value against the chosen method without repeating it', () => {
    expect(checkToken(API, undefined)).toBe('api-key');
    expect(checkToken(OAT, 'oauth')).toBe('oauth');
    expect(() => checkToken(OAT, 'api-key')).toThrow(/Expected an Anthropic API key \(sk-ant-api…\), got a Claude OAuth token/);
    const wrong = 'sk-live-1234567890';
    try {
      checkToken(wrong, undefined);
      expect.unreachable();
    } catch (err) {
      expect(String((err as Error).message)).not.toContain(wrong);
      expect((err as Error).message).toContain('18 characters');
    }
  });

  it('stores either kind as an anthropic secret for api.anthropic.com', () => {
    expect(anthropicSecret(OAT)).toEqual({ name: 'Anthropic', type: 'anthropic', value: OAT, hostPattern: 'api.anthropic.com' });
  });

  it('stores a custom endpoint token as a Bearer secret for that URL’s host only', () => {
    expect(customEndpointSecret({ baseUrl: 'https://llm.corp.test:8443/anthropic', token: 't0k' })).toEqual({
      name: 'Anthropic endpoint llm.corp.test',
      type: 'generic',
      value: 't0k',
      hostPattern: 'llm.corp.test',
      injectionConfig: { headerName: 'Authorization', valueFormat: 'Bearer {value}' },
    });
  });

  it('finds the OAuth token in claude setup-token output with terminal escapes around it', () => {
    const out = `\u001b[1mOpening browser\u001b[0m\r\nYour token:\r\n\u001b]8;;https://x\u0007link\u001b]8;;\u0007\r\n\u001b[32m${OAT}\u001b[0m\r\nStore it.\r\n`;
    expect(extractOauthToken(out)).toBe(OAT);
    expect(extractOauthToken('no token here sk-ant-api03-xyz')).toBeNull();
  });
});
