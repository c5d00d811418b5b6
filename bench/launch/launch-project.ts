import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { proofFile } from '../../src/cli/launch-self-test.js';
import { PACKAGE_LAYOUT } from '../../src/common/package-layout.js';
import { resolvePaths } from '../../src/config/paths.js';
import { splitChildCpu, withChildCpu } from './child-cpu.js';
import type { LaunchSample } from './launch-figures.js';

// The bench runs from dist/bench/launch/: the package root is three levels up.
const MAIN = join(fileURLToPath(new URL('../../../', import.meta.url)), PACKAGE_LAYOUT.cliEntry);

export interface CommandRun extends LaunchSample {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its exit, timed from spawn to exit, with the CPU time it and its children
 * spent (through a shell, child-cpu.ts: every command of the bench alike); never throws on a
 * non-zero exit.
 */
export function timedRun(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandRun> {
  const [sh, shArgs] = withChildCpu(file, args);
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(sh, shArgs, { ...options, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, rawStderr) => {
      const ms = performance.now() - started;
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      const { stderr, cpuMs } = splitChildCpu(String(rawStderr));
      resolve({ code, stdout: String(stdout), stderr, ms, cpuMs });
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** A throwaway nanoclaw project whose vault, networks and volume carry names of this run only. */
export class LaunchProject {
  readonly id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  readonly names = {
    vault: `nanoclaw-bench-vault-${this.id}`,
    egress: `nanoclaw-bench-egress-${this.id}`,
    outbound: `nanoclaw-bench-outbound-${this.id}`,
    volume: `nanoclaw-bench-vault-data-${this.id}`,
    folder: `bench-${this.id}`,
  };
  private readonly root: string;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;

  private constructor(root: string, dir: string, env: NodeJS.ProcessEnv) {
    this.root = root;
    this.dir = dir;
    this.env = env;
  }

  /** Makes the directory, a private HOME, `.env` naming this run's resources, and the group's container.json. */
  static async create(images: { vault: string; agent: string }): Promise<LaunchProject> {
    // HOME sits next to the project, not in it: ncl refuses to keep the vault key inside a project.
    const root = await mkdtemp(join(tmpdir(), 'nanoclaw-bench-launch-'));
    const dir = join(root, 'project');
    const home = join(root, 'home');
    await mkdir(dir, { recursive: true });
    await mkdir(home, { recursive: true });
    // The product reads settings from the process env before .env: a developer's own must not leak in.
    const env: NodeJS.ProcessEnv = { HOME: home };
    for (const [k, v] of Object.entries(process.env)) {
      if (!/^(ONECLI_|NANOCLAW_|ANTHROPIC_|CLAUDE_CODE_|XDG_)/.test(k) && k !== 'HOME') env[k] = v;
    }
    const p = new LaunchProject(root, dir, env);
    const port = await freePort();
    const settings: Record<string, string> = {
      ONECLI_GATEWAY_CONTAINER: p.names.vault,
      NANOCLAW_EGRESS_NETWORK: p.names.egress,
      NANOCLAW_OUTBOUND_NETWORK: p.names.outbound,
      NANOCLAW_VAULT_VOLUME: p.names.volume,
      NANOCLAW_VAULT_PORT: String(port),
      NANOCLAW_VAULT_IMAGE: images.vault,
      NANOCLAW_AGENT_IMAGE: images.agent,
      NANOCLAW_EGRESS_LOCKDOWN: 'false',
    };
    await writeFile(join(dir, '.env'), Object.entries(settings).map(([k, v]) => `${k}=${v}\n`).join(''));
    await mkdir(join(dir, 'groups', p.names.folder), { recursive: true });
    await writeFile(join(dir, 'groups', p.names.folder, 'container.json'), JSON.stringify({ agentGroupId: p.names.folder }));
    return p;
  }

  /** Where `ncl launch` keeps the proof of this project's lockdown network. */
  proofFile(): string {
    const paths = resolvePaths({ cwd: this.dir, env: this.env, home: this.env.HOME ?? '' });
    return proofFile(paths.runtimeDir, this.names.egress);
  }

  /** `ncl <args>` as a child process in this project, timed; `env` overrides settings of .env. */
  ncl(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandRun> {
    return timedRun(process.execPath, [MAIN, ...args], { cwd: this.dir, env: { ...this.env, ...env } });
  }

  /** Removes the given containers, the agent's network holders, the vault, its volume and networks, and the project and HOME directories. */
  async dispose(docker: Docker, containers: readonly string[]): Promise<void> {
    for (const c of containers) await docker.getContainer(c).remove({ force: true }).catch(() => undefined);
    // The agent's network holders too: a network cannot be removed while they are on it.
    await this.ncl(['stop', this.names.folder]).catch(() => undefined);
    await this.ncl(['vault', 'down', '--purge']).catch(() => undefined);
    await docker.getContainer(this.names.vault).remove({ force: true }).catch(() => undefined);
    for (const n of [this.names.egress, this.names.outbound]) await docker.getNetwork(n).remove().catch(() => undefined);
    await docker.getVolume(this.names.volume).remove().catch(() => undefined);
    // Files the agent wrote in its home belong to uid 1000; as root rm removes them anyway.
    await rm(this.root, { recursive: true, force: true }).catch(() => undefined);
  }
}
