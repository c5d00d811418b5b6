import { describe, expect, it } from 'vitest';
import { mergeGrants } from '../client/grant-merge.js';
import { groupConfig } from './step-group.js';
import { existingClaudeSecret } from './step-auth.js';
import { emptySummary, formatSummary, nextCommands } from './summary.js';
import type { Secret } from '../vault/model/records.js';

const secret = (s: Partial<Secret>): Secret =>
  ({ id: 'id', name: 'n', type: 'generic', hostPattern: 'h', pathPattern: null, injectionConfig: null, createdAt: '', updatedAt: '', lastUsedAt: null, ...s }) as Secret;

describe('pure step logic', () => {
  it('merges grants without dropping any, in order', () => {
    expect(mergeGrants(['a', 'b'], ['b', 'c'])).toEqual({ ids: ['a', 'b', 'c'], changed: true });
    expect(mergeGrants(['a', 'b'], ['a'])).toEqual({ ids: ['a', 'b'], changed: false });
    expect(mergeGrants([], [])).toEqual({ ids: [], changed: false });
  });

  it('writes ANTHROPIC_BASE_URL into a new group only for a custom endpoint', () => {
    expect(groupConfig({ identifier: 'main', anthropicBaseUrl: undefined })).toEqual({ agentGroupId: 'main' });
    expect(groupConfig({ identifier: 'main', anthropicBaseUrl: 'https://x.test' })).toEqual({ agentGroupId: 'main', env: { ANTHROPIC_BASE_URL: 'https://x.test' } });
  });

  it('finds the secret that already connects Claude (an anthropic one, or the custom host’s)', () => {
    const all = [secret({ id: '1', type: 'openai', hostPattern: 'api.openai.com' }), secret({ id: '2', type: 'anthropic', hostPattern: 'api.anthropic.com' }), secret({ id: '3', hostPattern: 'llm.test' })];
    expect(existingClaudeSecret(all, undefined)?.id).toBe('2');
    expect(existingClaudeSecret(all, 'llm.test')?.id).toBe('3');
    expect(existingClaudeSecret(all, 'other.test')).toBeUndefined();
    expect(existingClaudeSecret(all.slice(0, 1), undefined)).toBeUndefined();
  });
});

describe('summary', () => {
  it('says what to run next: store a key when auth was skipped, launch the group, lockdown when off', () => {
    const s = { ...emptySummary(), auth: { status: 'skipped' as const }, group: { identifier: 'main', name: 'Main agent', folder: 'main', created: true, granted: [] } };
    const next = nextCommands(s);
    expect(next[0]).toContain('ncl secrets create --name Anthropic --type anthropic --host-pattern api.anthropic.com --value-stdin');
    expect(next).toContain('ncl launch main');
    expect(next.some((c) => c.startsWith('ncl lockdown on'))).toBe(true);
    expect(nextCommands({ ...s, auth: { status: 'present' }, lockdown: true }).some((c) => c.includes('lockdown') || c.includes('secrets create'))).toBe(false);
  });

  it('formats the closing screen with the vault, Claude, the agent and warnings', () => {
    const text = formatSummary({
      ...emptySummary(),
      vault: { path: 'fresh', url: 'http://127.0.0.1:10254', container: 'onecli', action: 'created' },
      auth: { status: 'stored', method: 'api-key', secret: 'Anthropic', hostPattern: 'api.anthropic.com' },
      group: { identifier: 'main', name: 'Main agent', folder: 'main', created: true, granted: ['Anthropic'] },
      verified: true,
      warnings: ['something to know'],
    });
    expect(text).toContain('Vault:   http://127.0.0.1:10254, local install (container onecli, created)');
    expect(text).toContain('stored as secret "Anthropic" for api.anthropic.com (api-key)');
    expect(text).toContain('Main agent (main) in groups/main, created, granted Anthropic');
    expect(text).toContain('Warning: something to know');
    expect(text).toContain('  ncl launch main');
  });

  it('writes every next command with the launcher the user has', () => {
    const s = { ...emptySummary(), auth: { status: 'skipped' as const }, group: { identifier: 'main', name: 'Main agent', folder: 'main', created: true, granted: [] } };
    const next = nextCommands(s, './ncl');
    expect(next).toContain('./ncl launch main');
    expect(next.every((c) => /(^|\| )\.\/ncl /.test(c))).toBe(true);
    expect(formatSummary(s, './ncl')).toContain('  ./ncl vault status');
  });
});
