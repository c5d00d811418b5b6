import { describe, expect, it } from 'vitest';
import { carriesOwnCredential } from './own-credential.js';

describe('carriesOwnCredential', () => {
  it('sees a real key the agent sent itself', () => {
    expect(carriesOwnCredential({ 'x-api-key': 'sk-ant-native-key' })).toBe(true);
    expect(carriesOwnCredential({ authorization: 'Bearer abc' })).toBe(true);
  });

  it('ignores the placeholder and absent or empty headers', () => {
    expect(carriesOwnCredential({ 'x-api-key': 'onecli-managed' })).toBe(false);
    expect(carriesOwnCredential({ authorization: 'Bearer onecli-managed' })).toBe(false);
    expect(carriesOwnCredential({ authorization: '' })).toBe(false);
    // git's credential helper stub answers x-access-token and the placeholder.
    expect(carriesOwnCredential({ authorization: `Basic ${Buffer.from('x-access-token:onecli-managed').toString('base64')}` })).toBe(false);
    expect(carriesOwnCredential({ accept: 'application/json' })).toBe(false);
  });
});
