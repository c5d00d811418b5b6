import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimumNode, nodeVersionSatisfies } from '../../src/common/node-version.js';
import { PACKAGE_LAYOUT } from '../../src/common/package-layout.js';

// A machine whose own node is older than nanoclaw needs (node 20 here): the built entry point
// must say what to run instead of crashing on node:sqlite, and the checkout's ./ncl launcher must
// find the Node that ./setup.sh installed into .node/ with only the old node on PATH.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MINIMUM = minimumNode('>=22.13')!;

function versionOf(node: string): Promise<string | undefined> {
  return new Promise((resolve) => execFile(node, ['-p', 'process.versions.node'], (err, out) => resolve(err ? undefined : out.trim())));
}

async function findOldNode(): Promise<string | undefined> {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    if (!existsSync(candidate)) continue;
    const version = await versionOf(candidate);
    if (version && !nodeVersionSatisfies(version, MINIMUM)) return candidate;
  }
  return undefined;
}

const OLD_NODE = await findOldNode();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], opts: { cwd: string; path: string }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: opts.cwd, env: { PATH: opts.path, HOME: opts.cwd } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

/** A copy of the built checkout (dist, package.json, the launcher; node_modules linked), with or without `.node/`. */
function checkout(dir: string, withLocalNode: boolean): string {
  mkdirSync(dir, { recursive: true });
  for (const entry of ['dist', 'package.json', 'ncl', 'setup.sh', 'scripts']) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  if (withLocalNode) {
    // What setup.sh leaves: .node/bin/node, a Node new enough (the one running this test).
    mkdirSync(join(dir, '.node', 'bin'), { recursive: true });
    symlinkSync(process.execPath, join(dir, '.node', 'bin', 'node'));
  }
  return dir;
}

describe.skipIf(OLD_NODE === undefined)(`with only an old node on PATH${OLD_NODE === undefined ? ' (skipped: this machine has no node older than 22.13)' : ''}`, () => {
  let tmp: string;
  let oldBin: string;
  let path: string;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'nanoclaw-old-node-'));
    oldBin = join(tmp, 'old-bin');
    mkdirSync(oldBin);
    symlinkSync(OLD_NODE!, join(oldBin, 'node'));
    // The old node first, then the system directories the launcher's sh needs (dirname, readlink).
    path = [oldBin, '/usr/bin', '/bin'].join(':');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('the PATH really runs the old node', async () => {
    const r = await run('/bin/sh', ['-c', 'node -p process.versions.node'], { cwd: tmp, path });
    expect(nodeVersionSatisfies(r.stdout.trim(), MINIMUM)).toBe(false);
  });

  it('the bundled entry on the old node says which Node it needs and to run ./ncl, and exits 1 without a stack trace', async () => {
    const dir = checkout(join(tmp, 'with-node'), true);
    const r = await run(join(oldBin, 'node'), [join(dir, PACKAGE_LAYOUT.cliEntry), 'secrets', 'list'], { cwd: dir, path });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`nanoclaw needs Node >= ${MINIMUM}`);
    expect(r.stderr).toContain('./ncl --help');
    expect(r.stderr).not.toMatch(/ERR_UNKNOWN_BUILTIN_MODULE|node:sqlite|    at /);
  });

  it('without .node/ it says to run setup.sh, by a path the user can type from where they are', async () => {
    const dir = checkout(join(tmp, 'no-node'), false);
    const outside = await run(join(oldBin, 'node'), [join(dir, PACKAGE_LAYOUT.cliEntry), '--help'], { cwd: oldBin, path });
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain(`Run ${join(dir, 'setup.sh')}`);
    expect(outside.stderr).toContain(`then run commands with ${join(dir, 'ncl')}`);
    const inside = await run(join(oldBin, 'node'), [join(dir, PACKAGE_LAYOUT.cliEntry), '--help'], { cwd: dir, path });
    expect(inside.stderr).toContain('Run ./setup.sh');
  });

  it('./ncl runs the CLI on the Node in .node/: --help and --version, also through a symlink from elsewhere', async () => {
    const dir = join(tmp, 'with-node');
    const help = await run('./ncl', ['--help'], { cwd: dir, path });
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: ncl/);
    const version = await run('./ncl', ['--version'], { cwd: dir, path });
    expect(version.stdout.trim()).toBe((await import('../../package.json', { with: { type: 'json' } })).default.version);
    // From another directory, through a symlink (a link in ~/bin), the launcher still finds its checkout.
    symlinkSync(join(dir, 'ncl'), join(oldBin, 'ncl'));
    const linked = await run('/bin/sh', ['-c', 'ncl --help'], { cwd: tmp, path });
    expect(linked.code, linked.stderr).toBe(0);
    expect(linked.stdout).toMatch(/Usage: ncl/);
  });

  it('the bootstrap setup.sh sources puts the Node in .node/ first, without fetching anything', async () => {
    const dir = join(tmp, 'with-node');
    const script = `. ./scripts/ensure-node.sh; npm() { :; }; nanoclaw_ensure_node "$PWD" && node -p process.versions.node`;
    const r = await run('/bin/bash', ['-c', script], { cwd: dir, path });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('Fetching');
    expect(nodeVersionSatisfies(r.stdout.trim(), MINIMUM)).toBe(true);
  });

  it('./ncl says to run setup.sh when the checkout is not built', async () => {
    const dir = checkout(join(tmp, 'unbuilt'), true);
    rmSync(join(dir, 'dist'), { recursive: true });
    const r = await run('./ncl', ['--help'], { cwd: dir, path });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`run ${dir}/setup.sh`);
  });
});
