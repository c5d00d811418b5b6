import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConnectFlows, CONNECT_TTL_MS, type ConnectRequest } from './connect-flow.js';
import type { PostForm } from './token-endpoint.js';

const request: ConnectRequest = {
  name: 'gmail',
  hostPattern: 'gmail.googleapis.com',
  clientId: 'client',
  clientSecret: 'shh',
  authorizeUrl: 'https://provider.test/authorize?tenant=x',
  tokenUrl: 'https://provider.test/token',
  scopes: ['mail.read', 'mail.send'],
  authorizeParams: { access_type: 'offline' },
  redirectUri: 'http://127.0.0.1:10254/dashboard/oauth/callback',
};

function flows(answer = { status: 200, body: JSON.stringify({ access_token: 'at', refresh_token: 'rt', expires_in: 3600 }) }) {
  let now = 1_000;
  const posts: Record<string, string>[] = [];
  const post: PostForm = async ({ form }) => (posts.push(form), answer);
  return { f: new ConnectFlows({ post, now: () => now }), posts, later: (ms: number) => (now += ms) };
}

describe('ConnectFlows', () => {
  it('sends the browser to the provider with an S256 challenge and exchanges the code with its verifier', async () => {
    const { f, posts } = flows();
    const url = new URL(f.begin(request));
    const q = url.searchParams;
    expect(url.origin + url.pathname).toBe('https://provider.test/authorize');
    expect(Object.fromEntries(q)).toMatchObject({ tenant: 'x', access_type: 'offline', response_type: 'code', client_id: 'client', scope: 'mail.read mail.send', code_challenge_method: 'S256', redirect_uri: request.redirectUri });
    const done = await f.finish({ state: q.get('state')!, code: 'the-code', error: null });
    const sent = posts[0]!;
    expect(sent).toMatchObject({ grant_type: 'authorization_code', code: 'the-code', redirect_uri: request.redirectUri, client_id: 'client', client_secret: 'shh' });
    expect(createHash('sha256').update(sent.code_verifier!).digest('base64url')).toBe(q.get('code_challenge'));
    expect(done.value).toMatchObject({ accessToken: 'at', refreshToken: 'rt', tokenEndpoint: request.tokenUrl, issuedAt: 1_000, expiresAt: 3_601_000 });
  });

  it('takes an answer once, only for a state it began, within ten minutes', async () => {
    const { f, later } = flows();
    const state = new URL(f.begin(request)).searchParams.get('state')!;
    await expect(f.finish({ state: 'forged', code: 'c', error: null })).rejects.toThrow(/does not match/);
    await f.finish({ state, code: 'c', error: null });
    await expect(f.finish({ state, code: 'c', error: null })).rejects.toThrow(/does not match/);
    const late = new URL(f.begin(request)).searchParams.get('state')!;
    later(CONNECT_TTL_MS + 1);
    await expect(f.finish({ state: late, code: 'c', error: null })).rejects.toThrow(/does not match/);
  });

  it('says why when the user declined or the provider refused the code', async () => {
    const { f } = flows({ status: 400, body: JSON.stringify({ error: 'invalid_grant' }) });
    const s1 = new URL(f.begin(request)).searchParams.get('state')!;
    await expect(f.finish({ state: s1, code: null, error: 'access_denied' })).rejects.toThrow(/answered access_denied/);
    const s2 = new URL(f.begin(request)).searchParams.get('state')!;
    await expect(f.finish({ state: s2, code: 'c', error: null })).rejects.toThrow(/refused the code \(invalid_grant\)/);
  });
});
