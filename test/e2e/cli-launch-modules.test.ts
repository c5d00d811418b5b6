import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from './cli-run.js';

// `ncl launch` is a person waiting for an agent: every module it loads is CPU before the engine
// is even asked (issue 17). Module sets, not times: the built CLI prints the URL of each file it
// loads through a load hook, and what the launch never uses must not be among them. The CLI is a
// bundle, so a loaded chunk stands for the modules its source map lists.
// It also reports a read of process.stdin, a stream made on first access that a launch never reads,
// and at exit Node's built-in modules loaded by any means (process.getBuiltinModule too).
const HOOK = `data:text/javascript,${encodeURIComponent(
  `import { registerHooks } from 'node:module';
   registerHooks({ load(url, ctx, next) { process.stderr.write('LOADED ' + url + '\\n'); return next(url, ctx); } });
   const stdin = Object.getOwnPropertyDescriptor(process, 'stdin');
   Object.defineProperty(process, 'stdin', { ...stdin, get() { process.stderr.write('LOADED process.stdin\\n'); return stdin.get.call(process); } });
   process.on('exit', () => { for (const m of process.moduleLoadList) if (/^NativeModule (?!internal\\/)/.test(m)) process.stderr.write('LOADED node:' + m.slice(13) + '\\n'); });`,
)}`;

const dir = mkdtempSync(join(tmpdir(), 'ncl-e2e-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadedBy(args: string[]): Promise<string[]> {
  const { stderr } = await promisify(execFile)(process.execPath, ['--import', HOOK, CLI, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: join(dir, 'home') },
  });
  const files = stderr.split('\n').flatMap((l) => (l.startsWith('LOADED ') ? [l.slice('LOADED '.length)] : []));
  return files.flatMap((u) => (u.startsWith(BUNDLE) ? [u, ...bundledModules(u)] : [u]));
}

const BUNDLE = pathToFileURL(dirname(CLI)).href + '/';

/**
 * The modules bundled into the chunk at `url`, as file URLs of their tsc output (dist/src/…) or
 * of node_modules. A chunk without a map only re-exports other chunks, which the hook sees load.
 */
function bundledModules(url: string): string[] {
  const mapFile = fileURLToPath(url) + '.map';
  if (!existsSync(mapFile)) return [];
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[] };
  return map.sources.map((s) => new URL(s, url).href);
}

describe('the modules ncl launch loads', () => {
  it('leave out dockerode, the schemas of the model and API but the agent\'s, node:crypto, node:tls, node:child_process, node:readline and process.stdin', async () => {
    const loaded = await loadedBy(['launch', '--help']);
    expect(loaded.some((u) => u.startsWith(BUNDLE)), 'the CLI runs from its bundle').toBe(true);
    expect(loaded.some((u) => u.endsWith('/dist/src/cli/launch-agent.js'))).toBe(true);
    expect(loaded.some((u) => u.endsWith('/dist/src/client/vault-client.js'))).toBe(true);
    expect(loaded.filter((u) => u.includes('/node_modules/dockerode/'))).toEqual([]);
    expect(loaded.filter((u) => /\/vault\/(api\/approval-schemas|api\/schemas|model\/records|model\/approvals|model\/policy-rule)\.js$/.test(u))).toEqual([]);
    expect(loaded.some((u) => u.endsWith('/dist/src/vault/api/agent-schemas.js'))).toBe(true);
    expect(loaded).not.toContain('node:crypto');
    expect(loaded).not.toContain('node:tls');
    expect(loaded).not.toContain('node:child_process');
    expect(loaded).not.toContain('node:readline/promises');
    expect(loaded).not.toContain('process.stdin');
  });

  it('are seen when the whole command tree loads (the control)', async () => {
    const all = await loadedBy(['--help']);
    // The control: the whole tree does load what the launch leaves out, so the hook sees them.
    expect(all.some((u) => u.includes('/node_modules/dockerode/'))).toBe(true);
    expect(all.some((u) => u.endsWith('/dist/src/vault/api/approval-schemas.js'))).toBe(true);
    expect(all.some((u) => u.endsWith('/dist/src/vault/api/schemas.js'))).toBe(true);
    expect(all).toContain('node:crypto');
    expect(all).toContain('node:tls');
    expect(all).toContain('node:child_process');
  });
});
