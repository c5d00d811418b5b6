import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { NanoclawError } from '../../src/common/errors.js';
import { PACKAGE_LAYOUT } from '../../src/common/package-layout.js';
import type { ImageKind } from '../../src/docker/build-context.js';
import { ensureClaudeCodeBinary } from '../../src/docker/claude-code.js';
import { buildImage } from '../../src/docker/images.js';
import { resourceLabels } from '../../src/docker/labels.js';
import { ensureBaseImage } from './base-image.js';
import { requireDocker } from './docker-engine.js';
import { withFileLock } from './file-lock.js';
import { testRunId } from './test-labels.js';
import { ensureToolchainImage } from './toolchain-image.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** XDG_CACHE_HOME for tests: the Claude Code package is packed once per machine, not per temp HOME. */
export const TEST_CACHE_HOME = join(tmpdir(), 'nanoclaw-test-cache');

export interface ProductImages {
  vault: string;
  agent: string;
  base: string;
}

/** Source files newer than their compiled twin in dist/ or than the CLI bundle: the images or the CLI would run stale code. */
function staleSources(): string[] {
  const stale: string[] = [];
  const mtime = (file: string) => {
    try {
      return statSync(file).mtimeMs;
    } catch {
      return 0;
    }
  };
  const bundleTime = mtime(join(ROOT, PACKAGE_LAYOUT.cliEntry));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const built = join(ROOT, 'dist', relative(ROOT, path).replace(/\.ts$/, '.js'));
        if (statSync(path).mtimeMs > Math.min(mtime(built), bundleTime)) stale.push(relative(ROOT, path));
      }
    }
  };
  walk(join(ROOT, 'src'));
  return stale;
}

/** Where a run keeps the tag of its toolchain image (removed by the run's teardown). */
export function toolchainRefFile(runId: string): string {
  return join(tmpdir(), `nanoclaw-test-toolchain-${runId}.ref`);
}

/**
 * The vault and agent images of this checkout, built on the local test base image and tagged
 * `nanoclaw-test-<kind>:<run id>` with this run's labels (removed by the run's cleanup).
 * Built once per run, whichever test file asks first; later calls reuse them while the
 * build context (dist/, package.json, node_modules, templates) is unchanged.
 */
export async function ensureProductImages(options: { docker?: Docker; onLine?: (line: string) => void } = {}): Promise<ProductImages> {
  const stale = staleSources();
  if (stale.length > 0) {
    throw new NanoclawError('dist_stale', `dist/ is older than ${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ` and ${stale.length - 3} more` : ''}`, {
      hint: 'Build first: npm run build (npm test does it for you)',
    });
  }
  const docker = options.docker ?? (await requireDocker());
  const base = await ensureBaseImage({ docker });
  const runId = testRunId();
  const labels = resourceLabels({ role: 'image', env: { NANOCLAW_TEST_RUN_ID: runId } });
  const tags = {} as Record<ImageKind, string>;
  await withFileLock(join(tmpdir(), `nanoclaw-test-images-${runId}.lock`), async () => {
    // The vault image compiles its native addon in a build stage: a local image with the
    // toolchain, found once per run (checking its thousands of host files takes seconds).
    const toolchainRef = toolchainRefFile(runId);
    const toolchain = existsSync(toolchainRef) ? readFileSync(toolchainRef, 'utf8') : await ensureToolchainImage({ docker });
    writeFileSync(toolchainRef, toolchain);
    for (const kind of ['vault', 'agent'] as const) {
      const tag = `nanoclaw-test-${kind}:${runId}`;
      await buildImage({ docker, kind, tag, baseImage: base, buildImage: toolchain, labels, packageRoot: ROOT, reuseIfUnchanged: true, ...(options.onLine ? { onLine: options.onLine } : {}) });
      tags[kind] = tag;
    }
  });
  return { vault: tags.vault, agent: tags.agent, base };
}

/**
 * The agent image as `ncl images build` makes it by default, with the pinned Claude Code (packed
 * once per machine from the npm registry): `nanoclaw-test-agent-claude:<run id>`. Apart from
 * ensureProductImages because the binary is large and most tests do not need it.
 */
export async function ensureClaudeAgentImage(options: { docker?: Docker } = {}): Promise<string> {
  const docker = options.docker ?? (await requireDocker());
  const { base } = await ensureProductImages({ docker });
  const claudeCode = await ensureClaudeCodeBinary({ cacheDir: join(TEST_CACHE_HOME, 'nanoclaw') });
  const runId = testRunId();
  const tag = `nanoclaw-test-agent-claude:${runId}`;
  const labels = resourceLabels({ role: 'image', env: { NANOCLAW_TEST_RUN_ID: runId } });
  await withFileLock(join(tmpdir(), `nanoclaw-test-claude-image-${runId}.lock`), () =>
    buildImage({ docker, kind: 'agent', tag, baseImage: base, labels, packageRoot: ROOT, claudeCode, reuseIfUnchanged: true }),
  );
  return tag;
}
