import { describe, expect, it } from 'vitest';
import type { Agent, Secret } from '../model/records.js';
import { isAllowedByAllowlist } from './allowlist.js';

const agent = (over: Partial<Agent>): Agent => ({
  id: 'ag_1',
  name: 'a',
  identifier: 'a',
  secretMode: 'selective',
  egressPolicy: 'allowlist',
  allowHosts: [],
  createdAt: '2025-01-01T00:00:00Z',
  ...over,
});
const secret = (hostPattern: string): Secret => ({
  id: `s-${hostPattern}`,
  name: hostPattern,
  type: 'api_key',
  hostPattern,
  pathPattern: null,
  injectionConfig: null,
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
  lastUsedAt: null,
});

describe('isAllowedByAllowlist', () => {
  it('allows every host under the tunnel policy', () => {
    expect(isAllowedByAllowlist({ agent: agent({ egressPolicy: 'tunnel' }), secrets: [], host: 'anything.test' })).toBe(true);
  });

  it('allows listed hosts and hosts of granted secrets, nothing else', () => {
    const a = agent({ allowHosts: ['registry.npmjs.org', '*.pypi.org'] });
    const secrets = [secret('api.github.com')];
    const allowed = (host: string) => isAllowedByAllowlist({ agent: a, secrets, host });
    expect(allowed('registry.npmjs.org')).toBe(true);
    expect(allowed('files.pypi.org')).toBe(true);
    expect(allowed('API.GitHub.com.')).toBe(true);
    expect(allowed('pypi.org')).toBe(false);
    expect(allowed('api.github.com.evil.test')).toBe(false);
    expect(allowed('evil-api.github.com')).toBe(false);
    expect(allowed('example.com')).toBe(false);
    expect(isAllowedByAllowlist({ agent: a, secrets: [], host: 'api.github.com' })).toBe(false);
  });
});
