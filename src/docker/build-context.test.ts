import { describe, expect, it } from 'vitest';
import { defaultImageRef, planBuildContext } from './build-context.js';

describe('planBuildContext', () => {
  it('gives the vault image the built app, each production package without its nested node_modules, and a 0770 /data', () => {
    const plan = planBuildContext({ kind: 'vault', packages: ['node_modules/zod', 'node_modules/a', 'node_modules/a/node_modules/b'] });
    expect(plan.copies).toEqual([
      { from: 'templates/vault.Dockerfile', to: 'Dockerfile' },
      { from: 'package.json', to: 'package.json' },
      { from: 'dist/src', to: 'dist/src' },
      { from: 'node_modules/a', to: 'node_modules/a', skipNestedModules: true },
      { from: 'node_modules/a/node_modules/b', to: 'node_modules/a/node_modules/b', skipNestedModules: true },
      { from: 'node_modules/zod', to: 'node_modules/zod', skipNestedModules: true },
    ]);
    expect(plan.emptyDirs).toEqual([
      { path: 'rootfs/data', mode: 0o770 },
      { path: 'dist/native', mode: 0o755 },
    ]);
  });

  it('copies the native TLS transport when it was built, and then no empty stand-in', () => {
    const plan = planBuildContext({ kind: 'vault', packages: [], nativeAddon: true });
    expect(plan.copies).toContainEqual({ from: 'dist/native', to: 'dist/native' });
    expect(plan.emptyDirs).toEqual([{ path: 'rootfs/data', mode: 0o770 }]);
  });

  it('gives the agent image only its Dockerfile and instructions, never the app or node_modules', () => {
    const plan = planBuildContext({ kind: 'agent', packages: ['node_modules/zod'] });
    expect(plan.copies.map((c) => c.to)).toEqual(['Dockerfile', 'AGENTS.md']);
    expect(plan.emptyDirs).toEqual([{ path: 'claude-code', mode: 0o755 }]);
  });

  it('gives the agent image the Claude Code binary from its host path when there is one', () => {
    const plan = planBuildContext({ kind: 'agent', packages: [], claudeCode: '/cache/claude-code/x/claude' });
    expect(plan.copies).toContainEqual({ from: '/cache/claude-code/x/claude', to: 'claude-code/claude' });
    expect(plan.emptyDirs).toEqual([]);
  });
});

describe('defaultImageRef', () => {
  it('tags images with the package version', () => {
    expect(defaultImageRef('vault', '0.1.0')).toBe('nanoclaw-vault:0.1.0');
    expect(defaultImageRef('agent', '1.2.3-beta.1')).toBe('nanoclaw-agent:1.2.3-beta.1');
  });
});
