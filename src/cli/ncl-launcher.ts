import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { commandPath } from '../common/node-version.js';
import { findPackageRoot } from '../common/package-layout.js';

/**
 * How the user in `cwd` runs the CLI: the checkout's `ncl` launcher when there is one (it finds the
 * Node that ./setup.sh installed into .node/ even when the machine's node is older), else `ncl`
 * from an installed package on PATH.
 */
export function nclCommand(cwd: string, packageRoot: string = findPackageRoot()): string {
  const launcher = join(packageRoot, 'ncl');
  return existsSync(launcher) ? commandPath(relative(cwd, launcher), launcher) : 'ncl';
}
