import { describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../common/logger.js';
import type { Secret } from '../model/records.js';
import { testSecret } from '../../../test/support/vault-fixtures.js';
import { OAuthRefresher } from './oauth-refresher.js';
import { parseOAuthValue, serializeOAuthValue, type OAuthValue } from './oauth-value.js';
import type { PostForm, TokenEndpointAnswer } from './token-endpoint.js';

/** A store of one oauth2 secret, a token endpoint answering what the test says, and a clock it moves. */
function setup(answers: TokenEndpointAnswer[]) {
  let now = 1_000;
  let stored: { secret: Secret; text: string } = {
    secret: testSecret({ type: 'oauth2', name: 'gmail', updatedAt: '2026-01-01T00:00:00.000Z' }),
    text: serializeOAuthValue({
      accessToken: 'at-0',
      refreshToken: 'rt-0',
      clientId: 'c',
      clientSecret: 's',
      tokenEndpoint: 'https://oauth.test/token',
      issuedAt: 0,
      expiresAt: 2_000,
    }),
  };
  let writes = 0;
  const posts: Record<string, string>[] = [];
  const release: (() => void)[] = [];
  const post: PostForm = ({ form }) => {
    posts.push(form);
    const answer = answers.shift() ?? { status: 500, body: '{}' };
    return new Promise((resolve) => release.push(() => resolve(answer)));
  };
  const store = {
    get: () => stored.secret,
    reveal: () => stored.text,
    update: (_id: string, patch: { value?: string }) => {
      writes++;
      stored = { secret: { ...stored.secret, updatedAt: `2026-01-01T00:00:0${writes}.000Z` }, text: patch.value! };
      return stored.secret;
    },
  };
  const logger = new Logger({ level: 'error', sink: memorySink() });
  const refresher = new OAuthRefresher({ store, post, logger, now: () => now });
  return {
    refresher,
    posts,
    secret: () => stored.secret,
    value: (): OAuthValue => parseOAuthValue(stored.text),
    writes: () => writes,
    setNow: (t: number) => (now = t),
    answer: async () => {
      release.shift()!();
      await new Promise((r) => setImmediate(r));
    },
  };
}

const ok = (at: string, rt?: string): TokenEndpointAnswer => ({ status: 200, body: JSON.stringify({ access_token: at, expires_in: 2, ...(rt ? { refresh_token: rt } : {}) }) });

describe('OAuthRefresher', () => {
  it('gives the stored token while it is fresh, without asking the provider', () => {
    const t = setup([]);
    expect(t.refresher.read(t.secret())).toEqual({ value: 'at-0' });
    expect(t.posts).toHaveLength(0);
  });

  it('makes every request at expiry wait for one refresh, and stores a rotated refresh token with the access token', async () => {
    const t = setup([ok('at-1', 'rt-1')]);
    t.setNow(2_000);
    const readings = Array.from({ length: 5 }, () => t.refresher.read(t.secret()));
    expect(readings.every((r) => r !== null && 'wait' in r)).toBe(true);
    expect(new Set(readings.map((r) => r !== null && 'wait' in r && r.wait)).size).toBe(1);
    expect(t.posts).toEqual([{ grant_type: 'refresh_token', refresh_token: 'rt-0', client_id: 'c', client_secret: 's' }]);
    await t.answer();
    expect(t.writes()).toBe(1);
    expect(t.value()).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1', issuedAt: 2_000, expiresAt: 4_000 });
    expect(t.refresher.read(t.secret())).toEqual({ value: 'at-1' });
    expect(t.refresher.refreshes).toBe(1);
  });

  it('renews in the margin while requests go on with the current token', async () => {
    const t = setup([ok('at-1')]);
    t.setNow(1_600);
    expect(t.refresher.read(t.secret())).toEqual({ value: 'at-0' });
    expect(t.refresher.read(t.secret())).toEqual({ value: 'at-0' });
    expect(t.posts).toHaveLength(1);
    await t.answer();
    expect(t.refresher.read(t.secret())).toEqual({ value: 'at-1' });
    expect(t.value().refreshToken).toBe('rt-0');
  });

  it('renews a token the upstream refused; a new token refused before any upstream accepted it is not renewed in a loop', async () => {
    const t = setup([ok('at-1'), ok('at-2')]);
    const id = t.secret().id;
    t.refresher.read(t.secret());
    t.refresher.answered(id, 'stale-other-token', 401);
    t.refresher.answered(id, 'at-0', 200);
    expect(t.refresher.read(t.secret())).toHaveProperty('value');
    t.refresher.answered(id, 'at-0', 401);
    expect(t.refresher.read(t.secret())).toHaveProperty('wait');
    await t.answer();
    t.refresher.answered(id, 'at-1', 401);
    expect(t.refresher.read(t.secret())).toEqual({ value: 'at-1' });
    // Once accepted, a later refusal renews it again.
    t.refresher.answered(id, 'at-1', 200);
    t.refresher.answered(id, 'at-1', 401);
    expect(t.refresher.read(t.secret())).toHaveProperty('wait');
    await t.answer();
    expect(t.refresher.read(t.secret())).toEqual({ value: 'at-2' });
  });

  it('reads a revoked grant as revoked until the user connects again', async () => {
    const t = setup([{ status: 400, body: JSON.stringify({ error: 'invalid_grant' }) }]);
    t.setNow(5_000);
    expect(t.refresher.read(t.secret())).toHaveProperty('wait');
    await t.answer();
    expect(t.refresher.read(t.secret())).toEqual({ revoked: 'invalid_grant' });
    expect(t.writes()).toBe(0);
    // A reconnect stores a new value: it is read, and used.
    const next = { ...t.value(), accessToken: 'at-new', issuedAt: 5_000, expiresAt: 9_000 };
    const secret = { ...t.secret(), updatedAt: '2026-02-01T00:00:00.000Z' };
    const text = serializeOAuthValue(next);
    const again = new OAuthRefresher({
      store: { get: () => secret, reveal: () => text, update: () => null },
      post: () => Promise.reject(new Error('unused')),
      logger: new Logger({ level: 'error', sink: memorySink() }),
      now: () => 5_000,
    });
    expect(again.read(secret)).toEqual({ value: 'at-new' });
  });

  it('gives an expired token as it is to a request that cannot wait, refreshing meanwhile', () => {
    const t = setup([ok('at-1')]);
    t.setNow(3_000);
    expect(t.refresher.read(t.secret(), { wait: false })).toEqual({ value: 'at-0' });
    expect(t.posts).toHaveLength(1);
  });
});

describe('OAuthRefresher when the store fails', () => {
  it('settles the refresh all the same, so waiting requests go on and nothing is left unhandled', async () => {
    let now = 0;
    const secret = testSecret({ type: 'oauth2' });
    const text = serializeOAuthValue({ accessToken: 'at-0', refreshToken: 'rt-0', clientId: 'c', clientSecret: null, tokenEndpoint: 'https://oauth.test/token', issuedAt: 0, expiresAt: 1_000 });
    const sink = memorySink();
    const refresher = new OAuthRefresher({
      store: { get: () => secret, reveal: () => text, update: () => { throw new Error('disk I/O error'); } },
      post: async () => ok('at-1'),
      logger: new Logger({ level: 'error', sink }),
      now: () => now,
    });
    now = 5_000;
    const r = refresher.read(secret);
    expect(r).toHaveProperty('wait');
    await expect(r !== null && 'wait' in r ? r.wait : null).resolves.toBeUndefined();
    expect(sink.lines.join('\n')).toContain('Storing a refreshed OAuth token failed');
    expect(sink.lines.join('\n')).not.toContain('at-1');
  });
});
