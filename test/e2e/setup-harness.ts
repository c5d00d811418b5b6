import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { resourceLabels } from '../../src/docker/labels.js';
import { outboundNetworkSpec } from '../../src/docker/network-spec.js';
import { ensureNetwork } from '../../src/docker/networks.js';
import { requireDocker, testResourceName } from '../support/docker-engine.js';
import { ensureProductImages, type ProductImages } from '../support/product-images.js';
import { freePort } from '../support/free-port.js';
import { makeTempProject, type TempProject } from '../support/temp-project.js';
import { runCli, type CliResult } from './cli-run.js';


/** A fake `claude` whose `setup-token` prints an OAuth token the way the real one does (with terminal noise). */
export async function fakeClaudeDir(root: string, token: string): Promise<string> {
  const dir = join(root, 'fake-bin');
  await mkdir(dir, { recursive: true });
  const script = [
    '#!/bin/sh',
    '[ "$1" = setup-token ] || { echo "unexpected: $*" >&2; exit 2; }',
    'printf "\\033[1mOpening your browser to sign in…\\033[0m\\r\\n"',
    'printf "Your OAuth token (valid for one year):\\r\\n\\r\\n"',
    `printf "\\033[32m%s\\033[0m\\r\\n\\r\\n" "${token}"`,
    'printf "Store this token securely.\\r\\n"',
  ].join('\n');
  await writeFile(join(dir, 'claude'), script + '\n');
  await chmod(join(dir, 'claude'), 0o755);
  return dir;
}

/** Unique vault names and port for one test file, a temp project, and the built CLI run in it. */
export class SetupHarness implements AsyncDisposable {
  readonly names = {
    vault: testResourceName('setup-vault'),
    egress: testResourceName('setup-egress'),
    outbound: testResourceName('setup-outbound'),
    volume: testResourceName('setup-data'),
  };
  readonly outputs: string[] = [];
  private readonly projects: TempProject[] = [];

  readonly docker: Docker;
  readonly images: ProductImages;
  readonly port: number;

  private constructor(docker: Docker, images: ProductImages, port: number) {
    this.docker = docker;
    this.images = images;
    this.port = port;
  }

  static async start(): Promise<SetupHarness> {
    const docker = await requireDocker();
    const images = await ensureProductImages({ docker });
    return new SetupHarness(docker, images, await freePort());
  }

  /** The outbound network made ahead of the vault (a test upstream joins it before `vault up`). */
  async outboundNetwork(): Promise<string> {
    await ensureNetwork(this.docker, outboundNetworkSpec({ name: this.names.outbound, labels: resourceLabels({ role: 'network', env: process.env }) }));
    return this.names.outbound;
  }

  /** Settings that point ncl at this file's resources (no keyring: the key falls back to a 0600 file under HOME). */
  settings(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ONECLI_GATEWAY_CONTAINER: this.names.vault,
      NANOCLAW_EGRESS_NETWORK: this.names.egress,
      NANOCLAW_OUTBOUND_NETWORK: this.names.outbound,
      NANOCLAW_VAULT_VOLUME: this.names.volume,
      NANOCLAW_VAULT_PORT: String(this.port),
      NANOCLAW_VAULT_IMAGE: this.images.vault,
      NANOCLAW_AGENT_IMAGE: this.images.agent,
      ...extra,
    };
  }

  async project(envText?: string): Promise<TempProject> {
    const p = await makeTempProject(envText === undefined ? {} : { env: envText });
    delete p.env.DBUS_SESSION_BUS_ADDRESS;
    this.projects.push(p);
    return p;
  }

  /** Runs the built `ncl` in `project` with this harness's settings in the environment. */
  async ncl(project: TempProject, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; settings?: boolean } = {}): Promise<CliResult> {
    const base = opts.settings === false ? {} : this.settings();
    const r = await runCli(args, { cwd: project.dir, env: { ...project.env, ...base, ...opts.env }, ...(opts.input !== undefined ? { input: opts.input } : {}) });
    this.outputs.push(r.stdout, r.stderr);
    return r;
  }

  async container(): Promise<{ id: string; startedAt: string; restarts: number }> {
    const info = await this.docker.getContainer(this.names.vault).inspect();
    return { id: info.Id, startedAt: info.State.StartedAt, restarts: info.RestartCount };
  }

  readEnv(project: TempProject): Promise<string> {
    return readFile(project.envFile, 'utf8');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const first = this.projects[0];
    if (first) await this.ncl(first, ['vault', 'down', '--purge']).catch(() => undefined);
    await this.docker.getContainer(this.names.vault).remove({ force: true }).catch(() => undefined);
    for (const n of [this.names.egress, this.names.outbound]) await this.docker.getNetwork(n).remove().catch(() => undefined);
    await this.docker.getVolume(this.names.volume).remove().catch(() => undefined);
    for (const p of this.projects) await p.dispose();
  }
}
