import { createHash, randomBytes } from 'node:crypto';
import { NanoclawError } from '../../common/errors.js';
import type { OAuthValue } from './oauth-value.js';
import { refreshResult } from './refresh-plan.js';
import type { PostForm } from './token-endpoint.js';

/** What the user asked to connect: the secret to make and the provider to ask. */
export interface ConnectRequest {
  /** The secret's name and host pattern. */
  name: string;
  hostPattern: string;
  clientId: string;
  clientSecret: string | null;
  authorizeUrl: string;
  tokenUrl: string;
  scopes: readonly string[];
  authorizeParams?: Readonly<Record<string, string>>;
  /** The vault's own loopback callback, as the browser reaches it. */
  redirectUri: string;
}

interface Pending {
  request: ConnectRequest;
  verifier: string;
  at: number;
}

/** How long the user has to answer the provider. */
export const CONNECT_TTL_MS = 10 * 60_000;
const MAX_PENDING = 64;

/** A PKCE verifier and its S256 challenge (RFC 7636 §4.1–4.2). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The provider's authorize URL for `r`, bound to `state` and the PKCE `challenge`. Pure. */
export function authorizeLocation(r: ConnectRequest, o: { state: string; challenge: string }): string {
  const url = new URL(r.authorizeUrl);
  const params: Record<string, string> = {
    ...r.authorizeParams,
    response_type: 'code',
    client_id: r.clientId,
    redirect_uri: r.redirectUri,
    scope: r.scopes.join(' '),
    state: o.state,
    code_challenge: o.challenge,
    code_challenge_method: 'S256',
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

/**
 * The authorization-code flow with PKCE: `begin` remembers a request under a fresh `state` and
 * gives the URL to send the browser to; `finish` takes the provider's redirect back (the state
 * proves it answers a request begun here, once) and exchanges the code for tokens.
 */
export class ConnectFlows {
  private readonly post: PostForm;
  private readonly now: () => number;
  private readonly pending = new Map<string, Pending>();

  constructor(o: { post: PostForm; now?: () => number }) {
    this.post = o.post;
    this.now = o.now ?? Date.now;
  }

  begin(request: ConnectRequest): string {
    const now = this.now();
    for (const [state, p] of this.pending) if (now - p.at > CONNECT_TTL_MS || this.pending.size >= MAX_PENDING) this.pending.delete(state);
    const state = randomBytes(24).toString('base64url');
    const { verifier, challenge } = pkcePair();
    this.pending.set(state, { request, verifier, at: now });
    return authorizeLocation(request, { state, challenge });
  }

  /** The request and the value to store; throws a NanoclawError the callback page shows. */
  async finish(o: { state: string; code: string | null; error: string | null }): Promise<{ request: ConnectRequest; value: OAuthValue }> {
    const p = this.pending.get(o.state);
    this.pending.delete(o.state);
    if (!p || this.now() - p.at > CONNECT_TTL_MS) throw failed('this answer does not match a connection started here in the last 10 minutes', 'Start again from the connect page');
    if (o.error !== null || !o.code) throw failed(`the provider answered ${o.error ?? 'without a code'}`, 'Check the client id and the callback URL registered with the provider, then start again');
    const r = p.request;
    const form: Record<string, string> = { grant_type: 'authorization_code', code: o.code, redirect_uri: r.redirectUri, client_id: r.clientId, code_verifier: p.verifier };
    if (r.clientSecret) form.client_secret = r.clientSecret;
    const answer = await this.post({ url: r.tokenUrl, form }).catch((err: unknown) => {
      throw failed(`the token endpoint could not be reached (${err instanceof Error ? err.message : String(err)})`, 'Check the token URL and try again');
    });
    // The code exchange answers as a refresh does (RFC 6749 §5.1); there is no refresh token before it.
    const start: OAuthValue = { accessToken: '-', refreshToken: null, clientId: r.clientId, clientSecret: r.clientSecret, tokenEndpoint: r.tokenUrl, expiresAt: null, issuedAt: 0 };
    const result = refreshResult({ previous: start, status: answer.status, body: answer.body, now: this.now() });
    if (!result.ok) throw failed(`the provider refused the code (${result.reason})`, 'Check the client secret, then start again');
    return { request: r, value: result.value };
  }
}

function failed(why: string, hint: string): NanoclawError {
  return new NanoclawError('oauth_connect_failed', `Connecting failed: ${why}.`, { hint });
}
