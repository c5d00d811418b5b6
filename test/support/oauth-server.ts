import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { startTlsUpstream, type TlsUpstream, type UpstreamHandler } from './tls-upstream.js';

/**
 * An OAuth 2 provider of the tests' own (TLS with a test CA): an authorize endpoint that hands
 * out codes bound to a PKCE S256 challenge, a token endpoint for codes and refresh tokens that
 * rotates every refresh token it is given, and short-lived access tokens a stub API checks with
 * `valid`. Only one client is registered.
 */
export interface OAuthServer extends AsyncDisposable {
  upstream: TlsUpstream;
  tokenUrl: string;
  authorizeUrl: string;
  clientId: string;
  clientSecret: string;
  /** Refresh grants answered with new tokens so far. */
  refreshes: number;
  /** The refresh token now live (the last one issued). */
  liveRefreshToken(): string | null;
  /** A token pair as a code exchange would give it, for a secret made without the browser. */
  issue(): { accessToken: string; refreshToken: string; expiresAt: number; issuedAt: number };
  /** True while `token` is a live access token. */
  valid(token: string): boolean;
  /** Ends an access token's life now (as a provider revoking it would). */
  expire(token: string): void;
  /** Revokes every refresh token: the next refresh is `invalid_grant`. */
  revokeRefreshTokens(): void;
  close(): Promise<void>;
}

export interface OAuthServerOptions {
  /** How long an access token lives (default 2 s). */
  lifetimeMs?: number;
}

const token = (prefix: string): string => `${prefix}-${randomBytes(18).toString('base64url')}`;

export async function startOAuthServer(options: OAuthServerOptions = {}): Promise<OAuthServer> {
  const lifetimeMs = options.lifetimeMs ?? 2_000;
  const clientId = 'nanoclaw-test-client';
  const clientSecret = token('client-secret');
  const access = new Map<string, number>();
  const refresh = new Set<string>();
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  let last: string | null = null;
  const self = { refreshes: 0 };

  const issue = () => {
    const accessToken = token('at');
    const refreshToken = token('rt');
    const issuedAt = Date.now();
    access.set(accessToken, issuedAt + lifetimeMs);
    refresh.add(refreshToken);
    last = refreshToken;
    return { accessToken, refreshToken, issuedAt, expiresAt: issuedAt + lifetimeMs };
  };
  const json = (res: ServerResponse, status: number, body: object): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const answer = (res: ServerResponse, t: ReturnType<typeof issue>): void =>
    json(res, 200, { access_token: t.accessToken, refresh_token: t.refreshToken, token_type: 'Bearer', expires_in: lifetimeMs / 1000 });

  const handler: UpstreamHandler = (req, res, recorded) => {
    const url = new URL(req.url ?? '/', 'https://oauth.test');
    if (req.method === 'GET' && url.pathname === '/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== clientId || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge') || !q.get('redirect_uri')) {
        return json(res, 400, { error: 'invalid_request' });
      }
      const code = token('code');
      codes.set(code, { challenge: q.get('code_challenge')!, redirectUri: q.get('redirect_uri')! });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end(`<!doctype html><title>Test provider</title><p>Allow ${q.get('scope') ?? ''}?</p><a id="allow" href="${back.href.replaceAll('&', '&amp;')}">Allow</a>`);
    }
    if (req.method !== 'POST' || url.pathname !== '/token') return json(res, 404, { error: 'not_found' });
    const form = new URLSearchParams(recorded.body.toString('utf8'));
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) return json(res, 401, { error: 'invalid_client' });
    if (form.get('grant_type') === 'refresh_token') {
      const given = form.get('refresh_token') ?? '';
      if (!refresh.delete(given)) return json(res, 400, { error: 'invalid_grant' });
      self.refreshes++;
      return answer(res, issue());
    }
    if (form.get('grant_type') === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (!code || code.challenge !== challenge || code.redirectUri !== form.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant' });
      return answer(res, issue());
    }
    json(res, 400, { error: 'unsupported_grant_type' });
  };

  const upstream = await startTlsUpstream({ handler });
  const close = () => upstream.close();
  return Object.assign(self, {
    upstream,
    tokenUrl: `${upstream.url}/token`,
    authorizeUrl: `${upstream.url}/authorize`,
    clientId,
    clientSecret,
    liveRefreshToken: () => (last !== null && refresh.has(last) ? last : null),
    issue,
    valid: (t: string) => (access.get(t) ?? 0) > Date.now(),
    expire: (t: string) => void access.set(t, 0),
    revokeRefreshTokens: () => refresh.clear(),
    close,
    [Symbol.asyncDispose]: close,
  });
}

/** A Gmail-shaped API that accepts only live access tokens of `oauth` and answers 401 as Google does. */
export function gmailStub(oauth: () => OAuthServer): UpstreamHandler {
  return (req, res) => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!oauth().valid(bearer)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' });
      return void res.end(JSON.stringify({ error: { code: 401, status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' } }));
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ messages: [{ id: 'm1', threadId: 't1' }], resultSizeEstimate: 1, path: req.url }));
  };
}
