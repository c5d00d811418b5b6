import { describe, expect, it } from 'vitest';
import { pathMatches, pathMatchesAny, pathSpecificity } from './path-pattern.js';

describe('pathMatches (granting: every reading must match)', () => {
  it('matches everything for null and *', () => {
    expect(pathMatches(null, '/anything?x=1')).toBe(true);
    expect(pathMatches('*', '/')).toBe(true);
  });

  it('matches a prefix pattern at and below the prefix only', () => {
    expect(pathMatches('/v1/*', '/v1')).toBe(true);
    expect(pathMatches('/v1/*', '/v1/')).toBe(true);
    expect(pathMatches('/v1/*', '/v1/messages')).toBe(true);
    expect(pathMatches('/v1/*', '/v1/a/b/c?x=/admin')).toBe(true);
    expect(pathMatches('/v1/*', '//v1//messages')).toBe(true);
    expect(pathMatches('/v1/*', '/v10/messages')).toBe(false);
    expect(pathMatches('/v1/*', '/v2/messages')).toBe(false);
    expect(pathMatches('/v1/*', '/V1/messages')).toBe(false);
    expect(pathMatches('/*', '/anything')).toBe(true);
  });

  it('compares exact patterns on the path without its query', () => {
    expect(pathMatches('/v1/messages', '/v1/messages?stream=true')).toBe(true);
    expect(pathMatches('/v1/messages', '/v1/messages/x')).toBe(false);
    expect(pathMatches('/v1/messages', '/v1/message')).toBe(false);
  });

  it('matches a * inside the path within one segment', () => {
    expect(pathMatches('/repos/*/pulls', '/repos/nanoclaw/pulls')).toBe(true);
    expect(pathMatches('/repos/*/pulls', '/repos/a/b/pulls')).toBe(false);
  });

  it('does not let traversal or encoded separators escape a prefix', () => {
    for (const path of [
      '/v1/../admin',
      '/v1/./../admin',
      '/v1/%2e%2e/admin',
      '/v1/%2E%2E/admin',
      '/v1/.%2e/admin',
      '/v1/..%2fadmin',
      '/v1%2f..%2f..%2fadmin',
      '/v1/..%5cadmin',
      '/v1\\..\\admin',
      '/v1/%252e%252e/admin',
      '/v1/..;/admin',
      '/admin/..%2f..%2fv1/x',
    ]) {
      expect(pathMatches('/v1/*', path), path).toBe(false);
    }
  });

  it('refuses non-origin-form targets for specific patterns', () => {
    expect(pathMatches('/v1/*', '*')).toBe(false);
    expect(pathMatches('/v1/*', 'http://evil.test/v1/x')).toBe(false);
  });
});

describe('pathMatchesAny (restricting: any reading may match)', () => {
  it('catches a path that reaches a blocked prefix under some reading', () => {
    expect(pathMatchesAny('/admin/*', '/v1/%2e%2e/admin/users')).toBe(true);
    expect(pathMatchesAny('/admin/*', '/admin/%2e%2e/v1')).toBe(true);
    expect(pathMatchesAny('/admin/*', '/v1/users')).toBe(false);
    expect(pathMatchesAny(undefined, '/v1/users')).toBe(true);
  });
});

describe('a path too long to read every way', () => {
  it('matches every restriction and no grant with a path pattern', () => {
    const long = `/v1/${'x'.repeat(5000)}`;
    expect(pathMatchesAny('/admin/*', long)).toBe(true);
    expect(pathMatches('/v1/*', long)).toBe(false);
    expect(pathMatches('*', long)).toBe(true);
  });
});

describe('pathSpecificity', () => {
  it('ranks wildcards lowest and longer literals higher', () => {
    expect(pathSpecificity(null)).toBeLessThan(pathSpecificity('/v1/*'));
    expect(pathSpecificity('*')).toBe(pathSpecificity(null));
    expect(pathSpecificity('/v1/*')).toBeLessThan(pathSpecificity('/v1/messages/*'));
  });
});
