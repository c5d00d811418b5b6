import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gopassStoreDir, storePathInGopassConfig } from './gopass-store.js';

describe('storePathInGopassConfig', () => {
  it('reads the root store of a git-config style config, not a mount', () => {
    const text = '[core]\n\tautoclip = true\n[mounts "work"]\n\tpath = /w/work\n[mounts]\n\tpath = /home/me/secrets\n';
    expect(storePathInGopassConfig(text)).toBe('/home/me/secrets');
  });

  it('reads a top-level path or the root path of an older config.yml, never a mount', () => {
    expect(storePathInGopassConfig('autoimport: true\npath: "/home/me/.password-store"\n')).toBe('/home/me/.password-store');
    const yml = 'mounts:\n  work:\n    path: gpgcli-gitcli-fs+file:///w/work\nroot:\n  autoclip: true\n  path: gpgcli-gitcli-fs+file:///home/me/store\nversion: 1.8.6\n';
    expect(storePathInGopassConfig(yml)).toBe('/home/me/store');
  });

  it('is null when the config names no store', () => {
    expect(storePathInGopassConfig('[core]\n\tautoclip = true\n')).toBeNull();
    expect(storePathInGopassConfig('mounts:\n  work:\n    path: /w\n')).toBeNull();
  });
});

describe('gopassStoreDir', () => {
  let home: string;
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('follows PASSWORD_STORE_DIR, then the config, then the stores that exist', async () => {
    home = mkdtempSync(join(tmpdir(), 'gopass-home-'));
    const env = { HOME: home };
    expect(await gopassStoreDir({ ...env, PASSWORD_STORE_DIR: '/x' })).toBe('/x');
    // Nothing there: the place gopass 1.10+ would create.
    expect(await gopassStoreDir(env)).toBe(join(home, '.local/share/gopass/stores/root'));
    mkdirSync(join(home, '.password-store'));
    expect(await gopassStoreDir(env)).toBe(join(home, '.password-store'));
    mkdirSync(join(home, '.local/share/gopass/stores/root'), { recursive: true });
    expect(await gopassStoreDir(env)).toBe(join(home, '.local/share/gopass/stores/root'));
    mkdirSync(join(home, '.config/gopass'), { recursive: true });
    writeFileSync(join(home, '.config/gopass/config'), '[mounts]\n\tpath = ~/vaults/main\n');
    expect(await gopassStoreDir(env)).toBe(join(home, 'vaults/main'));
    writeFileSync(join(home, 'other.yml'), 'path: /elsewhere\n');
    expect(await gopassStoreDir({ ...env, GOPASS_CONFIG: join(home, 'other.yml') })).toBe('/elsewhere');
  });
});
