import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { Secret } from '../model/records.js';
import type { SecretStore } from '../store/types.js';
import { parseOAuthValue, serializeOAuthValue, type OAuthValue } from './oauth-value.js';
import { refreshResult, tokenState } from './refresh-plan.js';
import type { PostForm } from './token-endpoint.js';

/** A current access token; the same object while the token stays, so what is worked out from it can be cached by it. */
export interface CurrentToken {
  value: string;
}

/**
 * What the gateway reads for an `oauth2` secret: the token to inject, a refresh to wait for
 * (the token expired), or why the connection needs the user again (the refresh was refused).
 */
export type OAuthReading = CurrentToken | { wait: Promise<void> } | { revoked: string };

interface SecretState {
  /** The `updatedAt` of the stored value this state holds: a newer one (a reconnect) replaces it. */
  updatedAt: string;
  value: OAuthValue;
  token: CurrentToken;
  refreshing: Promise<void> | null;
  /** Why the last refresh was refused; cleared only by a new stored value. */
  revoked: string | null;
  /** The upstream refused this token: renew it before the next use. */
  refused: boolean;
  /** This token came from a refresh a refusal asked for and no upstream accepted it yet: a refusal of it does not ask again. */
  fromRefusal: boolean;
}

/**
 * Keeps `oauth2` secrets' access tokens current: renews a token in the margin before it expires
 * (requests go on with it meanwhile), or when it expired or the upstream refused it (requests wait
 * for the new one). One refresh per secret at a time: every request that needs it waits for the
 * same promise. The new tokens are stored in one write, a rotated refresh token with its access token.
 */
export class OAuthRefresher {
  private readonly store: Pick<SecretStore, 'get' | 'reveal' | 'update'>;
  private readonly post: PostForm;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly states = new Map<string, SecretState>();
  /** Refreshes made so far (tests count them). */
  refreshes = 0;

  constructor(o: { store: Pick<SecretStore, 'get' | 'reveal' | 'update'>; post: PostForm; logger: Logger; now?: () => number }) {
    this.store = o.store;
    this.post = o.post;
    this.logger = o.logger;
    this.now = o.now ?? Date.now;
  }

  /**
   * What to inject for `secret` now; null when it vanished. `wait: false`: an expired token comes
   * back as it is (its refresh started) for a request that cannot wait. Throws when the stored
   * value is unreadable.
   */
  read(secret: Secret, o: { wait: boolean } = { wait: true }): OAuthReading | null {
    const state = this.stateFor(secret);
    if (!state) return null;
    if (state.revoked !== null) return { revoked: state.revoked };
    const due = state.refused ? 'expired' : tokenState(state.value, this.now());
    if (due === 'fresh') return state.token;
    const ready = this.refresh(secret.id, state);
    return due === 'renew' || !o.wait ? state.token : { wait: ready };
  }

  /**
   * The upstream answered `status` to a request that carried `token`. A 401 makes the next
   * request wait for a new token, unless this one came from a refresh a 401 asked for and has not
   * been accepted since (an upstream refusing every token would otherwise cost a refresh per request).
   */
  answered(secretId: string, token: string, status: number): void {
    const state = this.states.get(secretId);
    if (!state || state.token.value !== token) return;
    if (status !== 401) state.fromRefusal = false;
    else if (!state.fromRefusal && state.value.refreshToken !== null) state.refused = true;
  }

  private stateFor(secret: Secret): SecretState | null {
    const known = this.states.get(secret.id);
    // The grant cache may hand an older copy of the record for a second after a refresh stored a new one.
    if (known && known.updatedAt >= secret.updatedAt) return known;
    const text = this.store.reveal(secret.id);
    if (text === null) return null;
    const value = parseOAuthValue(text);
    this.remember(value);
    const state: SecretState = {
      updatedAt: secret.updatedAt,
      value,
      token: { value: value.accessToken },
      refreshing: null,
      revoked: null,
      refused: false,
      fromRefusal: false,
    };
    this.states.set(secret.id, state);
    return state;
  }

  private refresh(secretId: string, state: SecretState): Promise<void> {
    // Never rejects: a request waiting on it decides again, and a renewal in the margin has no one waiting.
    state.refreshing ??= this.run(secretId, state)
      .catch((err: unknown) => this.logger.error('Storing a refreshed OAuth token failed', { secretId, error: errorMessage(err) }))
      .finally(() => {
        state.refreshing = null;
      });
    return state.refreshing;
  }

  private async run(secretId: string, state: SecretState): Promise<void> {
    const previous = state.value;
    const fromRefusal = state.refused;
    this.refreshes++;
    let result;
    try {
      const form: Record<string, string> = { grant_type: 'refresh_token', refresh_token: previous.refreshToken!, client_id: previous.clientId };
      if (previous.clientSecret) form.client_secret = previous.clientSecret;
      const answer = await this.post({ url: previous.tokenEndpoint, form });
      result = refreshResult({ previous, status: answer.status, body: answer.body, now: this.now() });
    } catch (err) {
      result = { ok: false, failure: 'unavailable', reason: errorMessage(err) } as const;
    }
    if (!result.ok) {
      this.logger.warn('Refreshing an OAuth token failed', { secretId, failure: result.failure, reason: result.reason });
      if (result.failure === 'revoked') state.revoked = result.reason;
      return;
    }
    const current = this.store.get(secretId);
    // Reconnected meanwhile: the user's new value stands, and the next read takes it.
    if (!current || current.updatedAt !== state.updatedAt) return;
    this.remember(result.value);
    const stored = this.store.update(secretId, { value: serializeOAuthValue(result.value) });
    if (!stored) return;
    Object.assign(state, {
      updatedAt: stored.updatedAt,
      value: result.value,
      token: { value: result.value.accessToken },
      refused: false,
      fromRefusal,
    });
  }

  private remember(value: OAuthValue): void {
    this.logger.redactor.add(value.accessToken);
    if (value.refreshToken) this.logger.redactor.add(value.refreshToken);
    if (value.clientSecret) this.logger.redactor.add(value.clientSecret);
  }
}
