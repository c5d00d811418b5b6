#!/usr/bin/env node
// Bundles the CLI (tsc's dist/src/main.js and what it imports, zod and commander included) into
// dist/cli/: the entry plus one chunk per lazily loaded command group. A cold `ncl launch` spends
// most of its CPU resolving and instantiating modules (about 170 of them unbundled, 94 of them
// zod's); bundled it loads about 20. Runs after tsc (npm run build) and reads the layout from its output.
import { rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { PACKAGE_LAYOUT } = await import(join(root, 'dist', 'src', 'common', 'package-layout.js'));
const outDir = join(root, dirname(PACKAGE_LAYOUT.cliEntry));

// Left to node_modules: packages that load compiled code (the keyring's .node files, ssh2's
// optional crypto addon under dockerode) find it by paths a bundle would break.
const EXTERNAL = [/^dockerode(\/|$)/, /^@napi-rs\/keyring(\/|$)/];

rmSync(outDir, { recursive: true, force: true });
const bundle = await rolldown({
  input: { [basename(PACKAGE_LAYOUT.cliEntry, '.js')]: join(root, PACKAGE_LAYOUT.compiledEntry) },
  platform: 'node',
  external: EXTERNAL,
  logLevel: 'warn',
});
await bundle.write({
  dir: outDir,
  format: 'esm',
  sourcemap: true,
  entryFileNames: '[name].js',
  chunkFileNames: 'chunks/[name]-[hash].js',
});
await bundle.close();
