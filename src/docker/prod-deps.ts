import { NanoclawError } from '../common/errors.js';

interface LockEntry {
  dev?: boolean;
  link?: boolean;
}

/** The parts of an npm package-lock.json (lockfileVersion 2 or 3) that decide what production needs. */
export interface PackageLock {
  lockfileVersion?: number;
  packages?: Record<string, LockEntry>;
}

/**
 * The `node_modules/…` paths a production install holds, from a package-lock.json: every
 * entry not marked `"dev": true` (npm's own `--omit=dev` rule; `devOptional` entries stay,
 * as npm keeps them too). Workspace links are left out: their target is not under
 * node_modules. Sorted, so a parent package comes before the packages nested in it. Pure.
 */
export function productionPackages(lock: PackageLock): string[] {
  if (!lock.packages || (lock.lockfileVersion ?? 0) < 2) {
    throw new NanoclawError('lockfile_unsupported', `package-lock.json has lockfileVersion ${lock.lockfileVersion ?? 'none'}; version 2 or 3 is needed`, {
      hint: 'Regenerate it with npm 7 or later: npm install --package-lock-only',
    });
  }
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev !== true && entry.link !== true)
    .map(([path]) => path)
    .sort();
}

