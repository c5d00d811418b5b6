import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { CLAUDE_CODE_VERSION } from '../../src/docker/claude-code.js';
import { runCli } from '../e2e/cli-run.js';
import { requireDocker, testRunId } from '../support/docker-engine.js';
import { ensureProductImages, TEST_CACHE_HOME, type ProductImages } from '../support/product-images.js';
import { runContainer } from '../support/run-container.js';
import { makeTempProject, type TempProject } from '../support/temp-project.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let docker: Docker;
let images: ProductImages;
let project: TempProject;

beforeAll(async () => {
  docker = await requireDocker();
  images = await ensureProductImages({ docker });
  project = await makeTempProject();
});

afterAll(async () => {
  await project?.dispose();
});

const sh = (image: string, script: string) => runContainer({ docker, image, cmd: ['sh', '-c', script] });

describe('the vault image (built offline on the local base image)', () => {
  it('runs the built app as uid 1000 with only production dependencies, and a 0770 /data for the volume', async () => {
    const r = await sh(images.vault, 'id -u; stat -c %a:%u /data; node /app/dist/cli/ncl.js --version; ls /app/node_modules');
    expect(r.exitCode, r.stderr).toBe(0);
    const [uid, data, version, ...modules] = r.stdout.trim().split('\n');
    expect(uid).toBe('1000');
    expect(data).toBe('770:1000');
    expect(version).toBe(VERSION);
    expect(modules).toEqual(expect.arrayContaining(['zod', 'commander', 'dockerode', 'yaml', '@napi-rs']));
    for (const dev of ['vitest', 'typescript', 'vite', '@typescript']) expect(modules).not.toContain(dev);
  });

  it('has a non-root user, the healthcheck on /api/health, both ports exposed, and our labels', async () => {
    const info = await docker.getImage(images.vault).inspect();
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Healthcheck?.Test?.join(' ')).toContain('/api/health');
    expect(Object.keys(info.Config.ExposedPorts ?? {}).sort()).toEqual(['10254/tcp', '10255/tcp']);
    expect(info.Config.Labels).toMatchObject({
      'nanoclaw.managed': '1',
      'nanoclaw.role': 'image',
      'nanoclaw.image.kind': 'vault',
      'nanoclaw.test.run': testRunId(),
    });
    expect(info.Config.Cmd?.join(' ')).toContain('vault serve --api-listen 0.0.0.0:10254 --gateway-listen 0.0.0.0:10255');
  });
});

describe('the agent image', () => {
  it('runs as node with curl, node and the instructions about placeholders, and none of the app', async () => {
    const r = await sh(images.agent, 'id -un; node --version; curl --version >/dev/null && echo curl-ok; cat "$HOME/AGENTS.md"; test -e /app || echo no-app');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^node\nv24\./);
    expect(r.stdout).toContain('curl-ok');
    expect(r.stdout).toContain('onecli-managed');
    expect(r.stdout).toContain('connect_url');
    expect(r.stdout).toMatch(/never ask the user for API keys/i);
    expect(r.stdout).toContain('no-app');
  });
});

describe('ncl images build', () => {
  it('builds with progress lines and a JSON summary, tagging NANOCLAW_AGENT_IMAGE with our labels; the agent has Claude Code and git', async () => {
    const tag = `nanoclaw-test-agent-cli:${testRunId()}`;
    try {
      const r = await runCli(['images', 'build', '--only', 'agent', '--base-image', images.base, '--json'], {
        cwd: project.dir,
        env: { ...project.env, NANOCLAW_AGENT_IMAGE: tag, XDG_CACHE_HOME: TEST_CACHE_HOME },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`Building ${tag} (agent) from ${images.base}`);
      expect(r.stderr).toMatch(/Step \d+\/\d+ : FROM/);
      expect(r.stderr).toMatch(new RegExp(`Built ${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\([0-9a-f]{12}\\) in [\\d.]+s`));
      expect(r.stderr).not.toContain('---> '); // the builder's bookkeeping is left out
      expect(r.json.images).toEqual([expect.objectContaining({ tag })]);
      const info = await docker.getImage(tag).inspect();
      expect(info.Config.Labels).toMatchObject({ 'nanoclaw.managed': '1', 'nanoclaw.test.run': testRunId() });
      expect(r.stderr).toContain(`Claude Code ${CLAUDE_CODE_VERSION} for the agent image`);
      // Offline: the binary came in the build context, the container has no network at all.
      const tools = await runContainer({ docker, image: tag, network: 'none', cmd: ['sh', '-c', 'claude --version; git --version'] });
      expect(tools.exitCode, tools.stderr).toBe(0);
      expect(tools.stdout).toContain(`${CLAUDE_CODE_VERSION} (Claude Code)`);
      expect(tools.stdout).toMatch(/git version \d/);
    } finally {
      await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
    }
  });

  it('says which base image is missing and how to give a local one', async () => {
    const r = await runCli(['images', 'build', '--only', 'agent', '--without-claude-code', '--base-image', 'nanoclaw-test-no-such-base:none'], {
      cwd: project.dir,
      env: { ...project.env, NANOCLAW_AGENT_IMAGE: `nanoclaw-test-agent-missing:${testRunId()}` },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('base_image_unavailable');
    expect(r.stderr).toContain('nanoclaw-test-no-such-base:none');
    expect(r.stderr).toContain('--base-image IMG');
  });
});
