import { describe, expect, it } from 'vitest';
import { isManaged, labelFilters, resourceLabels } from './labels.js';

describe('resourceLabels', () => {
  it('marks a resource as ours, with its role and install (default "default")', () => {
    expect(resourceLabels({ role: 'vault', env: {} })).toEqual({
      'nanoclaw.managed': '1',
      'nanoclaw.role': 'vault',
      'nanoclaw.install': 'default',
    });
  });

  it('adds the group for agents and the test labels when NANOCLAW_TEST_RUN_ID is set', () => {
    const labels = resourceLabels({ role: 'agent', install: 'work', group: 'main', env: { NANOCLAW_TEST_RUN_ID: 'run-1' } });
    expect(labels).toEqual({
      'nanoclaw.managed': '1',
      'nanoclaw.role': 'agent',
      'nanoclaw.install': 'work',
      'nanoclaw.group': 'main',
      'nanoclaw.test': '1',
      'nanoclaw.test.run': 'run-1',
    });
  });
});

describe('labelFilters / isManaged', () => {
  it('filters by managed, role, install and group', () => {
    expect(labelFilters({ role: 'agent', group: 'g' })).toEqual({
      label: ['nanoclaw.managed=1', 'nanoclaw.role=agent', 'nanoclaw.install=default', 'nanoclaw.group=g'],
    });
  });

  it('recognises only resources carrying the managed label', () => {
    expect(isManaged(resourceLabels({ role: 'network', env: {} }))).toBe(true);
    expect(isManaged({ 'com.docker.compose.project': 'x' })).toBe(false);
    expect(isManaged(null)).toBe(false);
    const fromOurImage = { ...resourceLabels({ role: 'image', env: {} }) };
    expect(isManaged(fromOurImage)).toBe(true);
    expect(isManaged(fromOurImage, 'vault')).toBe(false);
    expect(isManaged(resourceLabels({ role: 'vault', env: {} }), 'vault')).toBe(true);
  });
});
