import { describe, expect, it } from 'vitest';
import { CreateSecretBodySchema } from './schemas.js';

describe('CreateSecretBodySchema for an oauth2 secret', () => {
  const body = (value: string) => ({ name: 'gmail', type: 'oauth2', hostPattern: 'gmail.googleapis.com', value });
  const good = {
    accessToken: 'at',
    refreshToken: 'rt',
    clientId: 'c',
    clientSecret: null,
    tokenEndpoint: 'https://oauth2.googleapis.com/token',
    expiresAt: 0,
    issuedAt: 0,
  };

  it('takes the value the refresher reads', () => {
    expect(CreateSecretBodySchema.safeParse(body(JSON.stringify(good))).success).toBe(true);
  });

  it.each([
    ['a bare token', 'ya29.token-value', 'it is not JSON'],
    ['a plain-HTTP token endpoint', JSON.stringify({ ...good, tokenEndpoint: 'http://oauth.test/token' }), 'tokenEndpoint must be an https:// URL'],
    ['no client id', JSON.stringify({ ...good, clientId: undefined }), 'clientId'],
  ])('refuses %s, naming the field and never the value', (_what, value, why) => {
    const parsed = CreateSecretBodySchema.safeParse(body(value));
    expect(parsed.success).toBe(false);
    const message = parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(message).toContain(why);
    expect(message).toMatch(/^value: /);
    expect(message).not.toContain('ya29');
  });
});
