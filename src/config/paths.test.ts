import { describe, expect, it } from 'vitest';
import { resolvePaths } from './paths.js';

const home = '/home/u';

describe('resolvePaths', () => {
  it('uses the project directory and the home defaults', () => {
    expect(resolvePaths({ cwd: '/srv/proj/', env: {}, home })).toEqual({
      projectDir: '/srv/proj',
      envFile: '/srv/proj/.env',
      vaultDir: '/home/u/.local/share/nanoclaw/vault',
      dbFile: '/home/u/.local/share/nanoclaw/vault/vault.db',
      runtimeDir: '/home/u/.cache/nanoclaw/run',
      cacheDir: '/home/u/.cache/nanoclaw',
      configDir: '/home/u/.config/nanoclaw',
      mountAllowlistFile: '/home/u/.config/nanoclaw/mount-allowlist.json',
      groupsDir: '/srv/proj/groups',
    });
  });

  it('follows absolute XDG directories and ignores relative ones', () => {
    const env = { XDG_DATA_HOME: '/xdg/data', XDG_RUNTIME_DIR: '/run/user/1000', XDG_CONFIG_HOME: '/xdg/config' };
    const paths = resolvePaths({ cwd: '/p', env, home });
    expect(paths.vaultDir).toBe('/xdg/data/nanoclaw/vault');
    expect(paths.runtimeDir).toBe('/run/user/1000/nanoclaw');
    expect(paths.mountAllowlistFile).toBe('/xdg/config/nanoclaw/mount-allowlist.json');
    const relative = resolvePaths({ cwd: '/p', env: { XDG_DATA_HOME: 'data', XDG_RUNTIME_DIR: 'run' }, home });
    expect(relative.vaultDir).toBe('/home/u/.local/share/nanoclaw/vault');
    expect(relative.runtimeDir).toBe('/home/u/.cache/nanoclaw/run');
  });

  it('takes NANOCLAW_VAULT_DIR, expanding ~ and resolving against the project', () => {
    expect(resolvePaths({ cwd: '/p', env: { NANOCLAW_VAULT_DIR: '/data/v' }, home }).dbFile).toBe('/data/v/vault.db');
    expect(resolvePaths({ cwd: '/p', env: { NANOCLAW_VAULT_DIR: '~/vault' }, home }).vaultDir).toBe('/home/u/vault');
    expect(resolvePaths({ cwd: '/p', env: { NANOCLAW_VAULT_DIR: 'data/vault' }, home }).vaultDir).toBe('/p/data/vault');
  });

  it('lets an explicit vaultDir (from loaded settings) win over the environment', () => {
    const paths = resolvePaths({ cwd: '/p', env: { NANOCLAW_VAULT_DIR: '/env/v' }, home, vaultDir: '/settings/v' });
    expect(paths.vaultDir).toBe('/settings/v');
  });
});
