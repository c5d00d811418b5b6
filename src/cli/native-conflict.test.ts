import { describe, expect, it } from 'vitest';
import type { Secret } from '../vault/model/records.js';
import { anthropicOverrides, patternMatches } from './native-conflict.js';

const secret = (id: string, hostPattern: string): Secret => ({
  id, name: id, type: 'generic', hostPattern, pathPattern: null, injectionConfig: null,
  createdAt: '', updatedAt: '', lastUsedAt: null,
});
const secrets = [secret('a', 'api.anthropic.com'), secret('b', '*.anthropic.com'), secret('c', 'api.github.com'), secret('d', '*.api.anthropic.com')];

describe('anthropicOverrides', () => {
  it('in selective mode, only granted secrets whose pattern matches api.anthropic.com', () => {
    expect(anthropicOverrides({ secretMode: 'selective' }, secrets, ['a', 'c']).map((s) => s.id)).toEqual(['a']);
    expect(anthropicOverrides({ secretMode: 'selective' }, secrets, ['c', 'd'])).toEqual([]);
  });
  it('in mode all, every secret in the vault counts', () => {
    expect(anthropicOverrides({ secretMode: 'all' }, secrets, []).map((s) => s.id)).toEqual(['a', 'b']);
  });
  it('matches patterns like the gateway: wildcards cover subdomains, not the apex', () => {
    expect(patternMatches('*.anthropic.com', 'api.anthropic.com')).toBe(true);
    expect(patternMatches('*.anthropic.com', 'anthropic.com')).toBe(false);
    expect(patternMatches('API.anthropic.com', 'api.anthropic.com')).toBe(true);
    expect(patternMatches('api.anthropic.co', 'api.anthropic.com')).toBe(false);
  });
});
