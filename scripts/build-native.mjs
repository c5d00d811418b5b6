#!/usr/bin/env node
// Builds native/tls-transport (the gateway's TLS data path) into dist/native/tls_transport.node.
// Without a C++ toolchain the build is skipped with a warning and the gateway uses Node's own
// TLS (slower, same behaviour); NANOCLAW_REQUIRE_NATIVE=1 (CI) makes that an error instead.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'tls-transport');
const target = join(root, 'dist', 'native', 'tls_transport.node');
const required = process.env.NANOCLAW_REQUIRE_NATIVE === '1';

// Headers of the node that runs us (setup.sh's Node 24 in .node/, or a system node's /usr).
const prefix = dirname(dirname(process.execPath));
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;

function gypCommand() {
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  for (const candidate of [bundled, '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js', '/usr/share/nodejs/node-gyp/bin/node-gyp.js']) {
    if (existsSync(candidate)) return [process.execPath, [candidate]];
  }
  return ['node-gyp', []]; // on PATH when run by npm
}

// Exists even when the build fails, so an image build's COPY of it never does.
mkdirSync(dirname(target), { recursive: true });
const [cmd, pre] = gypCommand();
const args = [...pre, 'rebuild', '--directory', source, ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const built = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const output = join(source, 'build', 'Release', 'tls_transport.node');
if (built.status !== 0 || !existsSync(output)) {
  const why = built.error ? built.error.message : (built.stderr || built.stdout).trim().split('\n').slice(-8).join('\n');
  process.stderr.write(`${required ? 'error' : 'warning'}: the native TLS transport did not build; the gateway will use Node's TLS.\n${why}\n`);
  process.stderr.write('To build it: install a C++ toolchain (Debian: apt-get install g++ make python3), then run npm run build.\n');
  process.exit(required ? 1 : 0);
}
mkdirSync(dirname(target), { recursive: true });
// A new file renamed into place: a process that has the old one loaded keeps its mapping
// (overwriting the file in place would crash it).
const temporary = `${target}.${process.pid}.tmp`;
copyFileSync(output, temporary);
renameSync(temporary, target);
process.stdout.write(`built ${target}\n`);
