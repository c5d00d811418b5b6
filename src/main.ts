#!/usr/bin/env node
// The bin entry. It runs on whatever Node the user has, so it checks the version before it
// loads anything else: the rest needs Node >= 22.13 (node:sqlite) and would crash on an older one
// with a stack trace and no advice.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandPath, minimumNode, nodeAdvice, nodeVersionSatisfies } from './common/node-version.js';

// Two levels below the package root, bundled (dist/cli/ncl.js) as compiled (dist/src/main.js).
const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; engines?: { node?: string }; bugs?: string | { url?: string } };
const minimum = minimumNode(pkg.engines?.node) ?? '22.13';

if (nodeVersionSatisfies(process.versions.node, minimum)) {
  // Commands load their chunks when they run (cli/program.ts); V8's code cache (in the temp dir)
  // spares compiling them again on every later run of `ncl launch`.
  (await import('node:module')).enableCompileCache();
  const { runMain } = await import('./cli/run-main.js');
  const bugsUrl = typeof pkg.bugs === 'string' ? pkg.bugs : pkg.bugs?.url;
  process.exitCode = await runMain({ version: pkg.version, ...(bugsUrl ? { bugsUrl } : {}), argv: process.argv.slice(2) });
} else {
  const shown = (file: string) => commandPath(relative(process.cwd(), file), file);
  const launcher = join(root, 'ncl');
  const setup = join(root, 'setup.sh');
  process.stderr.write(
    nodeAdvice({
      version: process.versions.node,
      minimum,
      execPath: process.execPath,
      localNode: existsSync(join(root, '.node', 'bin', 'node')),
      ...(existsSync(launcher) ? { launcher: shown(launcher) } : {}),
      ...(existsSync(setup) ? { setup: shown(setup) } : {}),
    }) + '\n',
  );
  process.exitCode = 1;
}
