import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { VaultClient } from '../../src/client/vault-client.js';
import { setEnvValue, removeEnvKeys } from '../../src/config/env-file.js';
import { readEnvFile, updateEnvFile } from '../../src/config/env-file-io.js';
import { agentContainerName } from '../../src/docker/agent-spec.js';
import { execInContainer, type ExecResult } from '../../src/docker/container-exec.js';
import { resourceLabels } from '../../src/docker/labels.js';
import { egressNetworkSpec, outboundNetworkSpec } from '../../src/docker/network-spec.js';
import { ensureNetwork } from '../../src/docker/networks.js';
import { requireDocker } from '../support/docker-engine.js';
import { freePort } from '../support/free-port.js';
import { runCliInProcess, type CliRun } from '../support/in-process-cli.js';
import { ensureProductImages } from '../support/product-images.js';
import { makeTempProject, type TempProject } from '../support/temp-project.js';
import { testResourceName, testRunId } from '../support/test-labels.js';
import { runTlsUpstreamContainer, type TlsUpstreamContainer } from '../support/tls-upstream-container.js';
import { removeAgentsAndHolders } from '../support/agent-networks.js';

export type { CliRun };

/** Upstream names "on the internet" the tests use; the gateway may dial them although they are private. */
export const UPSTREAM_ALIASES = ['api.github.test', 'api.anthropic.com', 'gmail.googleapis.com', 'api.other.test', 'github.com', 'api.openai.com'];


/** One vault container, its networks and a TLS upstream, in a temp project; everything removed on dispose. */
export class LaunchHarness implements AsyncDisposable {
  readonly names = {
    egress: testResourceName('egress'),
    outbound: testResourceName('outbound'),
    vault: testResourceName('vault'),
    volume: testResourceName('vault-data'),
  };
  apiPort = 0;
  apiKey = '';
  upstream!: TlsUpstreamContainer;
  client!: VaultClient;
  images!: { vault: string; agent: string };
  readonly outputs: string[] = [];

  readonly docker: Docker;
  readonly project: TempProject;

  private constructor(docker: Docker, project: TempProject) {
    this.docker = docker;
    this.project = project;
  }

  /** `upstreamHandler`: ESM source of the upstream's handler (runTlsUpstreamContainer's handlerModule). */
  static async start(options: { lockdown: boolean; upstreamHandler?: string }): Promise<LaunchHarness> {
    const docker = await requireDocker();
    const h = new LaunchHarness(docker, await makeTempProject());
    try {
      h.images = await ensureProductImages({ docker });
      const labels = (role: 'network' | 'volume' | 'vault') => resourceLabels({ role, env: process.env });
      await ensureNetwork(docker, outboundNetworkSpec({ name: h.names.outbound, labels: labels('network') }));
      await ensureNetwork(docker, egressNetworkSpec({ name: h.names.egress, labels: labels('network') }));
      h.upstream = await runTlsUpstreamContainer({
        docker,
        network: h.names.outbound,
        aliases: UPSTREAM_ALIASES,
        ...(options.upstreamHandler ? { handlerModule: options.upstreamHandler } : {}),
      });
      h.apiPort = await freePort();
      await h.setEnv({
        ONECLI_GATEWAY_CONTAINER: h.names.vault,
        NANOCLAW_EGRESS_NETWORK: h.names.egress,
        NANOCLAW_OUTBOUND_NETWORK: h.names.outbound,
        NANOCLAW_VAULT_VOLUME: h.names.volume,
        NANOCLAW_VAULT_PORT: String(h.apiPort),
        NANOCLAW_VAULT_IMAGE: h.images.vault,
        NANOCLAW_AGENT_IMAGE: h.images.agent,
        NANOCLAW_EGRESS_LOCKDOWN: String(options.lockdown),
        NANOCLAW_EXTRA_CA_CERTS: h.upstream.caFile,
        NANOCLAW_ALLOW_PRIVATE: UPSTREAM_ALIASES.map((a) => `${a}:443`).join(','),
      });
      await h.startVault();
      return h;
    } catch (err) {
      await h[Symbol.asyncDispose]();
      throw err;
    }
  }

  /** `ncl vault up` in the temp project: the vault container trusting the upstream's CA. */
  async startVault(): Promise<void> {
    const r = await this.ncl(['vault', 'up', '--no-build', '--json']);
    if (r.code !== 0) throw new Error(`ncl vault up failed: ${r.stderr}`);
    const doc = await readEnvFile(this.project.envFile);
    this.apiKey = doc?.get('ONECLI_API_KEY') ?? '';
    this.client = new VaultClient({ url: `http://127.0.0.1:${this.apiPort}`, apiKey: this.apiKey });
  }

  async stopVault(): Promise<void> {
    await this.ncl(['vault', 'down']);
  }

  /** Sets (or, with null, removes) variables in the project's .env. */
  async setEnv(vars: Record<string, string | null>): Promise<void> {
    await updateEnvFile(this.project.envFile, (doc) => {
      for (const [k, v] of Object.entries(vars)) {
        if (v === null) removeEnvKeys(doc, [k]);
        else setEnvValue(doc, k, v);
      }
    });
  }

  async writeGroup(folder: string, config: unknown): Promise<string> {
    const dir = join(this.project.dir, 'groups', folder);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'container.json'), typeof config === 'string' ? config : JSON.stringify(config, null, 2));
    return dir;
  }

  /** Runs `ncl <args>` in this process, in the temp project. */
  async ncl(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
    const run = await runCliInProcess(args, { cwd: this.project.dir, env: { ...this.project.env, ...env } });
    this.outputs.push(run.stdout, run.stderr, ...run.logs);
    return run;
  }

  containerName(folder: string): string {
    return agentContainerName(folder);
  }

  async exec(folder: string, cmd: string[], user = '1000:1000'): Promise<ExecResult> {
    return execInContainer(this.docker, this.containerName(folder), { cmd, user, timeoutMs: 120_000 });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await removeAgentsAndHolders(this.docker, `nanoclaw.test.run=${testRunId()}`);
    await this.upstream?.close();
    await this.ncl(['vault', 'down', '--purge']).catch(() => undefined);
    for (const n of [this.names.egress, this.names.outbound]) await this.docker.getNetwork(n).remove().catch(() => undefined);
    await this.docker.getVolume(this.names.volume).remove().catch(() => undefined);
    await this.project.dispose();
  }
}
