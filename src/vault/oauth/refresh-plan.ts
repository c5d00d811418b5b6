import type { OAuthValue } from './oauth-value.js';

/**
 * The refresher's decisions, pure: when a token is renewed, and what a token endpoint's answer
 * makes of the stored value. No clock and no I/O: `now` is given.
 */

/** Renew this long before expiry at most; a short-lived token is renewed in its last quarter. */
export const MAX_REFRESH_MARGIN_MS = 60_000;
/**
 * A token this close to its expiry (its last twentieth, at most 10 s) counts as expired: it could
 * lapse on the way or on an upstream whose clock runs ahead, and a request rather waits for the refresh.
 */
export const MAX_EXPIRY_SKEW_MS = 10_000;

/** `fresh`: use it; `renew`: use it and renew it meanwhile; `expired`: wait for a new one. */
export type TokenState = 'fresh' | 'renew' | 'expired';

export function tokenState(value: OAuthValue, now: number): TokenState {
  // Without an expiry or a refresh token there is nothing to do until the upstream refuses it.
  if (value.expiresAt === null || value.refreshToken === null) return 'fresh';
  const lifetime = Math.max(0, value.expiresAt - value.issuedAt);
  if (now >= value.expiresAt - Math.min(MAX_EXPIRY_SKEW_MS, lifetime / 20)) return 'expired';
  return now >= value.expiresAt - Math.min(MAX_REFRESH_MARGIN_MS, lifetime / 4) ? 'renew' : 'fresh';
}

/** What the token endpoint's answer means: a new value, or why there is none. */
export type RefreshResult =
  | { ok: true; value: OAuthValue }
  /** `revoked`: the grant is gone (RFC 6749 §5.2), only the user can reconnect; `unavailable`: try again later. */
  | { ok: false; failure: 'revoked' | 'unavailable'; reason: string };

// RFC 6749 §5.2 errors that mean the refresh token or the client will not work again.
const REVOKED = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_scope', 'unsupported_grant_type']);

/** The stored value after a refresh answered `status` with `body` (JSON) at `now`. */
export function refreshResult(o: { previous: OAuthValue; status: number; body: string; now: number }): RefreshResult {
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(o.body);
    if (parsed && typeof parsed === 'object') json = parsed as Record<string, unknown>;
  } catch {
    // Handled below: no access_token.
  }
  const error = typeof json.error === 'string' ? json.error.slice(0, 64) : null;
  if (error !== null || o.status < 200 || o.status >= 300) {
    const revoked = (error !== null && REVOKED.has(error)) || o.status === 400 || o.status === 401;
    return { ok: false, failure: revoked ? 'revoked' : 'unavailable', reason: error ?? `token endpoint answered ${o.status}` };
  }
  const access = json.access_token;
  if (typeof access !== 'string' || access.length === 0 || /[\r\n\0]/.test(access)) {
    return { ok: false, failure: 'unavailable', reason: 'token endpoint answered without an access_token' };
  }
  const expiresIn = Number(json.expires_in);
  const rotated = typeof json.refresh_token === 'string' && json.refresh_token.length > 0 ? json.refresh_token : null;
  return {
    ok: true,
    value: {
      ...o.previous,
      accessToken: access,
      // A provider that rotates refresh tokens sends the new one here; one that does not keeps the old valid.
      refreshToken: rotated ?? o.previous.refreshToken,
      expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? o.now + Math.round(expiresIn * 1000) : null,
      issuedAt: o.now,
    },
  };
}
