import { describe, expect, it } from 'vitest';
import { HostPatternSchema } from '../model/records.js';
import { isKnownCredentialedHost, KNOWN_CREDENTIALED_HOSTS } from './known-hosts.js';

describe('isKnownCredentialedHost', () => {
  it('knows the common credentialed APIs', () => {
    for (const host of [
      'api.anthropic.com',
      'api.openai.com',
      'api.github.com',
      'uploads.github.com',
      'gmail.googleapis.com',
      'generativelanguage.googleapis.com',
      'oauth2.googleapis.com',
      'openrouter.ai',
      'api.mistral.ai',
      'api.groq.com',
      'API.Anthropic.com.',
    ]) {
      expect(isKnownCredentialedHost(host), host).toBe(true);
    }
  });

  it('does not claim neighbours or ordinary sites', () => {
    for (const host of ['api.github.com.evil.test', 'evil-api.openai.com', 'googleapis.com', 'github.com', 'registry.npmjs.org', 'example.com']) {
      expect(isKnownCredentialedHost(host), host).toBe(false);
    }
  });

  it('holds only valid host patterns', () => {
    for (const pattern of KNOWN_CREDENTIALED_HOSTS) {
      expect(HostPatternSchema.safeParse(pattern).success, pattern).toBe(true);
    }
  });
});
