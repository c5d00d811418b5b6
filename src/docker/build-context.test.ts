import { describe, expect, it } from 'vitest';
import { defaultImageRef, HOST_BINARY, planBuildContext } from './build-context.js';
import { buildStageImage, DEFAULT_BASE_IMAGE, DEFAULT_BUILD_IMAGE } from './images.js';

describe('planBuildContext', () => {
  it('gives the vault image the built app, the native sources, each production package without its nested node_modules, and a 0770 /data', () => {
    const plan = planBuildContext({ kind: 'vault', packages: ['node_modules/zod', 'node_modules/a', 'node_modules/a/node_modules/b'] });
    expect(plan.copies).toEqual([
      { from: 'templates/vault.Dockerfile', to: 'Dockerfile' },
      { from: 'package.json', to: 'package.json' },
      { from: 'dist/cli', to: 'dist/cli' },
      { from: 'native/tls-transport', to: 'native/tls-transport', skipDirs: ['build'] },
      { from: 'scripts/build-native.mjs', to: 'scripts/build-native.mjs' },
      { from: 'node_modules/a', to: 'node_modules/a', skipNestedModules: true },
      { from: 'node_modules/a/node_modules/b', to: 'node_modules/a/node_modules/b', skipNestedModules: true },
      { from: 'node_modules/zod', to: 'node_modules/zod', skipNestedModules: true },
    ]);
    expect(plan.emptyDirs).toEqual([{ path: 'rootfs/data', mode: 0o770 }]);
  });

  it('never takes the host-built addon: it is compiled in the image', () => {
    const plan = planBuildContext({ kind: 'vault', packages: [] });
    expect(plan.copies.some((c) => c.from.startsWith('dist/native'))).toBe(false);
    expect(HOST_BINARY.test('dist/native/tls_transport.node')).toBe(true);
    expect(HOST_BINARY.test('node_modules/x/index.js')).toBe(false);
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

describe('buildStageImage', () => {
  it('compiles in the given image, else the default base’s full twin, else the given base', () => {
    expect(buildStageImage({ baseImage: DEFAULT_BASE_IMAGE })).toBe(DEFAULT_BUILD_IMAGE);
    expect(buildStageImage({ baseImage: 'local-base:1' })).toBe('local-base:1');
    expect(buildStageImage({ baseImage: 'local-base:1', buildImage: 'toolchain:1' })).toBe('toolchain:1');
  });
});
