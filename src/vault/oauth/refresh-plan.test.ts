import { describe, expect, it } from 'vitest';
import type { OAuthValue } from './oauth-value.js';
import { MAX_REFRESH_MARGIN_MS, refreshResult, tokenState } from './refresh-plan.js';

const value = (over: Partial<OAuthValue> = {}): OAuthValue => ({
  accessToken: 'at-1',
  refreshToken: 'rt-1',
  clientId: 'client',
  clientSecret: 'shh',
  tokenEndpoint: 'https://oauth.test/token',
  issuedAt: 0,
  expiresAt: 3_600_000,
  ...over,
});

describe('tokenState', () => {
  it('renews an hour-long token in the last minute and waits in its last 10 s', () => {
    expect(tokenState(value(), 3_600_000 - MAX_REFRESH_MARGIN_MS - 1)).toBe('fresh');
    expect(tokenState(value(), 3_600_000 - MAX_REFRESH_MARGIN_MS)).toBe('renew');
    expect(tokenState(value(), 3_590_000 - 1)).toBe('renew');
    expect(tokenState(value(), 3_590_000)).toBe('expired');
  });

  it('renews a short-lived token in its last quarter', () => {
    const v = value({ expiresAt: 2_000 });
    expect(tokenState(v, 1_499)).toBe('fresh');
    expect(tokenState(v, 1_500)).toBe('renew');
    expect(tokenState(v, 1_899)).toBe('renew');
    expect(tokenState(v, 1_900)).toBe('expired');
  });

  it('leaves a token without an expiry or a refresh token alone until the upstream refuses it', () => {
    expect(tokenState(value({ expiresAt: null }), 1e12)).toBe('fresh');
    expect(tokenState(value({ refreshToken: null }), 1e12)).toBe('fresh');
  });
});

describe('refreshResult', () => {
  const previous = value();

  it('takes the new access token, its expiry and a rotated refresh token together', () => {
    const r = refreshResult({ previous, status: 200, body: JSON.stringify({ access_token: 'at-2', expires_in: 2, refresh_token: 'rt-2' }), now: 10_000 });
    expect(r).toEqual({ ok: true, value: { ...previous, accessToken: 'at-2', refreshToken: 'rt-2', issuedAt: 10_000, expiresAt: 12_000 } });
  });

  it('keeps the refresh token when the provider does not rotate it (Google)', () => {
    const r = refreshResult({ previous, status: 200, body: JSON.stringify({ access_token: 'at-2', expires_in: 3599 }), now: 0 });
    expect(r.ok && r.value.refreshToken).toBe('rt-1');
  });

  it.each([
    [400, { error: 'invalid_grant' }, 'revoked', 'invalid_grant'],
    [401, { error: 'invalid_client' }, 'revoked', 'invalid_client'],
    // GitHub answers 200 with an error field.
    [200, { error: 'bad_refresh_token' }, 'unavailable', 'bad_refresh_token'],
    [200, { error: 'invalid_grant' }, 'revoked', 'invalid_grant'],
    [503, {}, 'unavailable', 'token endpoint answered 503'],
    [200, { token_type: 'bearer' }, 'unavailable', 'token endpoint answered without an access_token'],
  ])('a %i answer %j is %s', (status, body, failure, reason) => {
    expect(refreshResult({ previous, status, body: JSON.stringify(body), now: 0 })).toEqual({ ok: false, failure, reason });
  });

  it('refuses an access token that could split a header', () => {
    expect(refreshResult({ previous, status: 200, body: JSON.stringify({ access_token: 'a\r\nX-Evil: 1' }), now: 0 }).ok).toBe(false);
  });
});
