import { z } from 'zod';
import { NanoclawError } from '../../common/errors.js';

/**
 * What an `oauth2` secret holds: sealed as one value like any other secret's, so the database
 * sees none of it in the clear, and a refresh replaces access and refresh token in one write.
 * The gateway injects `accessToken` (as `Bearer`, the catalogue's default form for a secret).
 */
export const OAuthValueSchema = z.strictObject({
  accessToken: z.string().min(1).max(16_384),
  /** Null where the provider gave none (GitHub OAuth apps without expiring tokens): nothing to renew. */
  refreshToken: z.string().min(1).max(16_384).nullable(),
  clientId: z.string().min(1).max(1024),
  clientSecret: z.string().max(1024).nullable(),
  tokenEndpoint: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }),
  /** Epoch milliseconds; null: the provider said nothing, the token is used until refused. */
  expiresAt: z.number().int().nullable(),
  /** When this access token was issued (epoch ms), for the refresh margin. */
  issuedAt: z.number().int(),
});
export type OAuthValue = z.infer<typeof OAuthValueSchema>;

/** Reads a stored value; throws a NanoclawError naming the field (never the value). */
export function parseOAuthValue(text: string): OAuthValue {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid('it is not JSON');
  }
  const parsed = OAuthValueSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(`${issue.path.join('.') || 'value'} ${issue.message}`);
  }
  return parsed.data;
}

/** Why `text` is not a value an oauth2 secret can hold (the field, never the value), or null. */
export function oauthValueProblem(text: string): string | null {
  try {
    parseOAuthValue(text);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The stored form: one line, so it passes the value checks every secret's value passes. */
export function serializeOAuthValue(value: OAuthValue): string {
  return JSON.stringify(value);
}

function invalid(why: string): NanoclawError {
  return new NanoclawError('invalid_oauth_value', `An oauth2 secret's value is invalid: ${why}`, {
    hint: 'Connect the account again from the dashboard (Connect), or give --value as JSON with accessToken, refreshToken, clientId, clientSecret, tokenEndpoint, expiresAt and issuedAt',
  });
}
