import { describe, expect, it } from 'vitest';
import type { Secret } from '../model/records.js';
import { hostHasAnySecret, selectSecret } from './select-secret.js';
import { testSecret as storedSecret } from '../../../test/support/vault-fixtures.js';

function testSecret(overrides: Partial<Secret> & Pick<Secret, 'id'>): Secret {
  return storedSecret({ name: overrides.id, type: 'api_key', hostPattern: 'api.example.com', ...overrides });
}

const wildcard = testSecret({ id: 'wild', hostPattern: '*.github.com' });
const exact = testSecret({ id: 'exact', hostPattern: 'api.github.com' });
const exactV3 = testSecret({ id: 'exact-repos', hostPattern: 'api.github.com', pathPattern: '/repos/*' });
const exactIssues = testSecret({ id: 'exact-issues', hostPattern: 'api.github.com', pathPattern: '/repos/*/issues' });
const deepWild = testSecret({ id: 'deep-wild', hostPattern: '*.api.github.com' });

describe('selectSecret', () => {
  it('returns null when no secret matches host and path', () => {
    expect(selectSecret([exact, wildcard], { host: 'api.github.com.evil.test', path: '/' })).toBeNull();
    expect(selectSecret([exact, wildcard], { host: 'evil-api.github.com.', path: '/' })?.id).toBe('wild');
    expect(selectSecret([exact], { host: 'evil-api.github.com', path: '/' })).toBeNull();
    expect(selectSecret([wildcard], { host: 'github.com', path: '/' })).toBeNull();
    expect(selectSecret([exactV3], { host: 'api.github.com', path: '/user' })).toBeNull();
    expect(selectSecret([], { host: 'api.github.com', path: '/' })).toBeNull();
  });

  it('prefers an exact host over a wildcard, whatever the order given', () => {
    expect(selectSecret([wildcard, exact], { host: 'API.GitHub.com', path: '/user' })?.id).toBe('exact');
    expect(selectSecret([exact, wildcard], { host: 'api.github.com', path: '/user' })?.id).toBe('exact');
    expect(selectSecret([wildcard, deepWild], { host: 'x.api.github.com', path: '/' })?.id).toBe('deep-wild');
  });

  it('ranks an apex-and-subdomains pattern below the exact host and the subdomain wildcard', () => {
    const family = testSecret({ id: 'family', hostPattern: '.github.com' });
    expect(selectSecret([family], { host: 'github.com', path: '/' })?.id).toBe('family');
    expect(selectSecret([family, exact], { host: 'api.github.com', path: '/' })?.id).toBe('exact');
    expect(selectSecret([family, wildcard], { host: 'api.github.com', path: '/' })?.id).toBe('wild');
    expect(selectSecret([wildcard, family], { host: 'github.com', path: '/' })?.id).toBe('family');
  });

  it('prefers the longer path pattern among same-host secrets', () => {
    const all = [exact, exactV3, exactIssues, wildcard];
    expect(selectSecret(all, { host: 'api.github.com', path: '/repos/a/issues?x=1' })?.id).toBe('exact-issues');
    expect(selectSecret(all, { host: 'api.github.com', path: '/repos/a/pulls' })?.id).toBe('exact-repos');
    expect(selectSecret(all, { host: 'api.github.com', path: '/user' })?.id).toBe('exact');
    expect(selectSecret(all, { host: 'api.github.com', path: '/repos/../user' })?.id).toBe('exact');
  });

  it('breaks remaining ties by the newest secret', () => {
    const older = testSecret({ id: 'older', hostPattern: 'api.github.com', createdAt: '2024-01-01T00:00:00Z' });
    const newer = testSecret({ id: 'newer', hostPattern: 'api.github.com', createdAt: '2025-06-01T00:00:00Z' });
    expect(selectSecret([older, newer], { host: 'api.github.com', path: '/' })?.id).toBe('newer');
    expect(selectSecret([newer, older], { host: 'api.github.com', path: '/' })?.id).toBe('newer');
  });

  it('does not reorder the caller’s array', () => {
    const list = [wildcard, exact];
    selectSecret(list, { host: 'api.github.com', path: '/' });
    expect(list.map((s) => s.id)).toEqual(['wild', 'exact']);
  });
});

describe('hostHasAnySecret', () => {
  it('looks at host patterns only', () => {
    expect(hostHasAnySecret([exactV3], 'api.github.com')).toBe(true);
    expect(hostHasAnySecret([exactV3], 'api.github.com.evil.test')).toBe(false);
    expect(hostHasAnySecret([wildcard], 'github.com')).toBe(false);
    expect(hostHasAnySecret([wildcard], 'uploads.github.com')).toBe(true);
  });
});
