import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { withFileLock } from './file-lock.js';
import { TEST_CACHE_HOME } from './product-images.js';

const run = promisify(execFile);

/** The SDKs the client tests run inside an agent, unmodified, at pinned versions. */
export const CLIENT_SDKS = { openai: '7.60.0', '@anthropic-ai/sdk': '1.17.0' } as const;

/**
 * A node_modules holding the client SDKs, installed on the host from the npm registry once per
 * machine (agents have no registry); a test copies it into an agent's home.
 */
export async function ensureClientSdks(): Promise<string> {
  const dir = join(TEST_CACHE_HOME, 'client-sdks', Object.entries(CLIENT_SDKS).map(([n, v]) => `${n.replace('/', '+')}@${v}`).join('_'));
  const modules = join(dir, 'node_modules');
  const ready = () => Object.keys(CLIENT_SDKS).every((name) => existsSync(join(modules, name, 'package.json')));
  if (ready()) return modules;
  await mkdir(dir, { recursive: true });
  await withFileLock(join(tmpdir(), 'nanoclaw-test-client-sdks.lock'), async () => {
    if (ready()) return;
    const specs = Object.entries(CLIENT_SDKS).map(([name, version]) => `${name}@${version}`);
    await run('npm', ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', ...specs]);
  });
  return modules;
}
