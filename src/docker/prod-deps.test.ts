import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NanoclawError } from '../common/errors.js';
import { productionPackages, type PackageLock } from './prod-deps.js';

describe('productionPackages', () => {
  it('keeps entries without dev: true, including nested and devOptional ones, and drops links and the root', () => {
    const lock: PackageLock = {
      lockfileVersion: 3,
      packages: {
        '': {},
        'node_modules/zod': {},
        'node_modules/vitest': { dev: true },
        'node_modules/cliui/node_modules/ansi-regex': {},
        'node_modules/cliui': {},
        'node_modules/fsevents': { dev: true },
        'node_modules/maybe': { devOptional: true } as { dev?: boolean },
        'node_modules/my-workspace': { link: true },
        'packages/my-workspace': {},
      },
    };
    expect(productionPackages(lock)).toEqual([
      'node_modules/cliui',
      'node_modules/cliui/node_modules/ansi-regex',
      'node_modules/maybe',
      'node_modules/zod',
    ]);
  });

  it('refuses a lockfile v1, which has no packages map', () => {
    expect(() => productionPackages({ lockfileVersion: 1 })).toThrow(NanoclawError);
    expect(() => productionPackages({ lockfileVersion: 1 })).toThrow(/lockfileVersion 1/);
  });

  it('on this project: has the runtime dependencies and none of the dev tools', () => {
    const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as PackageLock;
    const prod = productionPackages(lock);
    for (const dep of ['zod', 'commander', 'dockerode', 'yaml', '@napi-rs/keyring']) expect(prod).toContain(`node_modules/${dep}`);
    for (const dev of ['vitest', 'typescript', 'vite']) expect(prod).not.toContain(`node_modules/${dev}`);
  });
});

