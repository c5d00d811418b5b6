import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KNOWN_SERVICES, serviceHosts } from '../../config/known-services.js';
import { HostPatternSchema } from '../model/records.js';
import { basicUserFor, isKnownCredentialedHost, serviceForHost } from './known-hosts.js';

describe('isKnownCredentialedHost', () => {
  it('knows the common credentialed APIs and git on github.com', () => {
    for (const host of [
      'api.anthropic.com',
      'api.openai.com',
      'api.github.com',
      'uploads.github.com',
      'github.com',
      'gmail.googleapis.com',
      'generativelanguage.googleapis.com',
      'oauth2.googleapis.com',
      'openrouter.ai',
      'api.mistral.ai',
      'api.groq.com',
      'api.tavily.com',
      'API.Anthropic.com.',
    ]) {
      expect(isKnownCredentialedHost(host), host).toBe(true);
    }
  });

  it('does not claim neighbours or ordinary sites', () => {
    for (const host of ['api.github.com.evil.test', 'evil-api.openai.com', 'googleapis.com', 'gist.github.com', 'registry.npmjs.org', 'huggingface.co', 'example.com']) {
      expect(isKnownCredentialedHost(host), host).toBe(false);
    }
  });

  it('holds only valid host patterns', () => {
    for (const service of KNOWN_SERVICES) {
      for (const pattern of [service.hostPattern, ...serviceHosts(service), ...(service.basicUser?.hosts ?? [])]) {
        expect(HostPatternSchema.safeParse(pattern).success, `${service.service}: ${pattern}`).toBe(true);
      }
    }
  });
});

describe('basicUserFor', () => {
  it('has users whose Basic pair keeps the token base64-aligned, so the echo scanner finds an echoed pair', () => {
    // base64(user + ':' + token) contains base64(token), a form the scanner knows, only when the prefix is whole 3-byte groups.
    for (const service of KNOWN_SERVICES.filter((s) => s.basicUser)) {
      const user = service.basicUser!.user;
      expect((user.length + 1) % 3, user).toBe(0);
      // Token-shaped, made at run time so no credential-like literal sits in the source.
      const token = `ghp_${randomBytes(18).toString('hex')}`;
      expect(Buffer.from(`${user}:${token}`).toString('base64')).toContain(Buffer.from(token).toString('base64'));
    }
  });

  it('gives git on github.com the x-access-token user, and the API none', () => {
    expect(basicUserFor('github.com')).toBe('x-access-token');
    expect(basicUserFor('GitHub.com.')).toBe('x-access-token');
    expect(basicUserFor('api.github.com')).toBeNull();
    expect(basicUserFor('evilgithub.com')).toBeNull();
  });
});

describe('serviceForHost', () => {
  it('finds the service of a host, an exact listing before a wildcard one', () => {
    expect(serviceForHost('github.com')?.hostPattern).toBe('.github.com');
    expect(serviceForHost('api.github.com')?.service).toBe('GitHub');
    expect(serviceForHost('www.googleapis.com')?.service).toBe('Google Calendar');
    expect(serviceForHost('drive.googleapis.com')?.service).toBe('Google APIs');
    expect(serviceForHost('gist.github.com')).toBeUndefined();
    expect(serviceForHost('example.com')).toBeUndefined();
  });
});
