import { describe, expect, it } from 'vitest';
import type { VaultSnapshot } from '../vault/store/types.js';
import { compareSnapshots, isEmptySnapshot, snapshotCounts } from './store-compare.js';

const secret = (id: string, value: string) => ({
  id, name: `name-${id}`, type: 'api_key' as const, hostPattern: 'a.test', pathPattern: null, injectionConfig: null,
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', lastUsedAt: null, value,
});

function snapshot(over: Partial<VaultSnapshot> = {}): VaultSnapshot {
  return {
    secrets: [secret('s1', 'value-one-SECRET'), secret('s2', 'value-two-SECRET')],
    agents: [],
    grants: [{ agentId: 'a1', secretId: 's1' }],
    settings: [{ key: 'k', value: 'v' }],
    ca: { certPem: 'cert', keyPem: 'key' },
    rules: [],
    approvers: [],
    ...over,
  };
}

describe('compareSnapshots', () => {
  it('finds nothing between equal snapshots, whatever the order and key order of their records', () => {
    const a = snapshot();
    const b = snapshot({ secrets: [...a.secrets].reverse().map((s) => Object.fromEntries(Object.entries(s).reverse()) as typeof s) });
    expect(compareSnapshots(a, b)).toEqual([]);
  });

  it('names a missing or changed record by id and name, never by its value', () => {
    const a = snapshot();
    const lines = compareSnapshots(a, snapshot({ secrets: [secret('s1', 'value-one-CHANGED')], ca: null, settings: [{ key: 'k', value: 'w' }] }));
    expect(lines).toEqual([
      'secrets: 2 in the source, 1 in the copy',
      'secret "name-s1" (s1) differs in the copy',
      'secret "name-s2" (s2) is missing from the copy',
      'setting k differs in the copy',
      'ca: 1 in the source, 0 in the copy',
      'the vault CA is missing from the copy',
    ]);
    expect(lines.join('\n')).not.toMatch(/SECRET|CHANGED|key\b/);
  });

  it('counts every kind of record, and calls a snapshot of nothing empty', () => {
    expect(snapshotCounts(snapshot())).toEqual({ secrets: 2, agents: 0, grants: 1, settings: 1, rules: 0, approvers: 0, audit: 0, ca: 1 });
    expect(isEmptySnapshot(snapshot())).toBe(false);
    expect(isEmptySnapshot({ secrets: [], agents: [], grants: [], settings: [], ca: null })).toBe(true);
  });
});
