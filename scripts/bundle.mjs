#!/usr/bin/env node
// Bundles the CLI (tsc's dist/src/main.js and what it imports, zod and commander included) into
// dist/cli/: the entry plus one chunk per lazily loaded command group. A cold `ncl launch` spends
// most of its CPU resolving and instantiating modules (about 170 of them unbundled, 94 of them
// zod's); bundled it loads about 20. Runs after tsc (npm run build) and reads the layout from its output.
import { rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rolldown } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { PACKAGE_LAYOUT } = await import(pathToFileURL(join(root, 'dist', 'src', 'common', 'package-layout.js')).href);
const outDir = join(root, dirname(PACKAGE_LAYOUT.cliEntry));

// Left to node_modules: packages that load compiled code (the keyring's .node files, ssh2's
// optional crypto addon under dockerode) find it by paths a bundle would break.
// pg stays there too: only the store's worker thread loads it, and its optional pg-native is
// not installed.
const EXTERNAL = [/^dockerode(\/|$)/, /^@napi-rs\/keyring(\/|$)/, /^pg(\/|$)/, /^pg-native$/];

/**
 * Node's built-in modules taken with process.getBuiltinModule() instead of `import`. An ESM import
 * of a built-in makes a namespace of all its exports, which runs every lazy getter on it:
 * `import process from 'node:process'` (commander has it) makes process.stdin, a stream that
 * `ncl launch` never reads. The entry and the version check keep their imports: they also run on
 * a Node too old to have getBuiltinModule (it came in 22.3), to say so. Declarations are
 * rewritten in place with their line breaks kept, so lines (and source maps) stay where they were.
 */
// Built-ins that a module binds whole (a default or namespace import) but that the launch never
// calls: bound to an object that loads the module on its first property read. commander binds
// child_process for its executable subcommands, which ncl has none of (~2.5 ms of a launch's CPU).
const LAZY_BUILTINS = new Set(['node:child_process']);
const lazyBuiltin = (module) => `new Proxy({}, { get: (_, key) => ${module}[key] })`;

const compiled = join(root, PACKAGE_LAYOUT.compiledEntry);
const KEEP_IMPORTS = [compiled, join(dirname(compiled), 'common', 'node-version.js')];

function builtinsWithoutNamespaces() {
  return {
    name: 'builtins-without-namespaces',
    transform(code, id) {
      if (KEEP_IMPORTS.includes(id) || !/\bfrom\s*["']/.test(code)) return null;
      const edits = [];
      for (const node of this.parse(code).body) {
        if (node.type !== 'ImportDeclaration' || !isBuiltin(node.source.value) || node.specifiers.length === 0) continue;
        const name = node.source.value.startsWith('node:') ? node.source.value : `node:${node.source.value}`;
        // globalThis: the module may bind a local `process` itself (import process from 'node:process').
        const module = `globalThis.process.getBuiltinModule(${JSON.stringify(name)})`;
        const named = [];
        const whole = [];
        for (const s of node.specifiers) {
          if (s.type === 'ImportSpecifier') {
            const imported = s.imported.type === 'Identifier' ? s.imported.name : JSON.stringify(s.imported.value);
            named.push(imported === s.local.name ? imported : `${imported}: ${s.local.name}`);
          } else whole.push(s.local.name);
        }
        const bound = LAZY_BUILTINS.has(name) ? lazyBuiltin(module) : module;
        const decls = [...whole.map((local) => `const ${local} = ${bound};`), ...(named.length ? [`const { ${named.join(', ')} } = ${module};`] : [])];
        const breaks = code.slice(node.start, node.end).split('\n').length - 1;
        edits.push({ start: node.start, end: node.end, text: decls.join(' ') + '\n'.repeat(breaks) });
      }
      if (edits.length === 0) return null;
      let out = code;
      for (const e of edits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
      return { code: out, map: null };
    },
  };
}

rmSync(outDir, { recursive: true, force: true });
const bundle = await rolldown({
  // The modules loaded by URL are entries of their own, so each is a file the store can name.
  input: {
    [basename(PACKAGE_LAYOUT.cliEntry, '.js')]: compiled,
    ...Object.fromEntries(Object.entries(PACKAGE_LAYOUT.loadedByUrl).map(([name, file]) => [name, join(root, file)])),
  },
  platform: 'node',
  external: EXTERNAL,
  plugins: [builtinsWithoutNamespaces()],
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
