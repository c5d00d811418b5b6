import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { errorMessage } from '../../src/common/errors.js';
import { agentContainerName } from '../../src/docker/agent-spec.js';
import { connectDocker } from '../../src/docker/docker-client.js';
import { buildImage } from '../../src/docker/images.js';
import { resourceLabels } from '../../src/docker/labels.js';
import { egressNetworkSpec, outboundNetworkSpec } from '../../src/docker/network-spec.js';
import { ensureNetwork } from '../../src/docker/networks.js';
import { buildLaunchRows, LAUNCH_MODES, MODE_LABELS, type LaunchMode, type LaunchRow, type LaunchSample } from './launch-figures.js';
import { LaunchProject, timedRun, type CommandRun } from './launch-project.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// The same long-lived command for every mode, so "running" means the same thing everywhere.
const COMMAND = ['sleep', '3600'];
const BASE_LABEL = 'nanoclaw.test.base';
const RUN_LABEL = 'nanoclaw.test.run';
const BASE_REPO = 'nanoclaw-test-base:';

export interface LaunchBenchResult {
  rows: LaunchRow[];
  notes: string[];
}

/**
 * The newest local test base image (built by `npm test`), or null: the bench never pulls. Images
 * built FROM it by a test inherit its label and carry that test run's label too, which the run's
 * cleanup removes (with every container of an image built on them): those are not the base, nor
 * is the toolchain image that shares the label.
 */
async function localBaseImage(docker: Docker): Promise<string | null> {
  const images = await docker.listImages({ filters: { label: [BASE_LABEL] } });
  const bases = images.filter((i) => !i.Labels?.[RUN_LABEL]).sort((a, b) => b.Created - a.Created);
  const tag = (i: (typeof images)[number]) => i.RepoTags?.find((t) => t.startsWith(BASE_REPO));
  return bases.map(tag).find((t) => t !== undefined) ?? null;
}

/** Vault and agent images of this checkout on the local base image, rebuilt only when the context changed. */
async function benchImages(docker: Docker, base: string): Promise<{ vault: string; agent: string }> {
  const labels = resourceLabels({ role: 'image', env: {} });
  const tags = { vault: 'nanoclaw-bench-vault:local', agent: 'nanoclaw-bench-agent:local' };
  for (const kind of ['vault', 'agent'] as const) {
    await buildImage({ docker, kind, tag: tags[kind], baseImage: base, labels, packageRoot: ROOT, reuseIfUnchanged: true });
  }
  return tags;
}

function check(run: CommandRun, what: string): CommandRun {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return run;
}

async function requireRunning(docker: Docker, name: string, mode: LaunchMode): Promise<void> {
  const info = await docker.getContainer(name).inspect();
  if (!info.State.Running) throw new Error(`${MODE_LABELS[mode]}: ${name} is not running after the command returned`);
}

/**
 * Time from `ncl launch` (a fresh CLI process) to a running agent, and the CPU that process
 * spent, against `docker run -d` of the same image (on the default bridge, and on the agents' outbound network, which
 * costs the engine more to start): lockdown off, on with the self-test (the network proven, as on every launch
 * but the first), on with --skip-self-test, and on with the full self-test (no proof kept).
 * Modes are interleaved sample by sample so a change in load hits them alike.
 */
export async function runLaunchBench(o: { samples: number; progress: (line: string) => void }): Promise<LaunchBenchResult> {
  const notes: string[] = [];
  const empty = (): LaunchBenchResult => ({ rows: [], notes });
  const docker = await connectDocker({ env: process.env }).catch((err: unknown) => {
    notes.push(`launch skipped: Docker is not available (${errorMessage(err)})`);
    return null;
  });
  if (!docker) return empty();
  const base = await localBaseImage(docker);
  if (!base) {
    notes.push('launch skipped: no local base image (label nanoclaw.test.base); run npm test once to build it');
    return empty();
  }
  o.progress(`launch: building or reusing images on ${base}…`);
  const images = await benchImages(docker, base);
  const project = await LaunchProject.create(images);
  const plainName = `nanoclaw-bench-plain-${project.id}`;
  const networkName = `nanoclaw-bench-plain-net-${project.id}`;
  const agentName = agentContainerName(project.names.folder);
  const samples = Object.fromEntries(LAUNCH_MODES.map((m) => [m, [] as LaunchSample[]])) as Record<LaunchMode, LaunchSample[]>;
  try {
    const labels = resourceLabels({ role: 'network', env: {} });
    await ensureNetwork(docker, outboundNetworkSpec({ name: project.names.outbound, labels }));
    await ensureNetwork(docker, egressNetworkSpec({ name: project.names.egress, labels }));
    check(await project.ncl(['vault', 'up', '--no-build', '--json']), 'ncl vault up');
    const run: Record<LaunchMode, () => Promise<CommandRun>> = {
      'docker-run': () => timedRun('docker', ['run', '-d', '--name', plainName, images.agent, ...COMMAND]),
      'docker-run-network': () => timedRun('docker', ['run', '-d', '--name', networkName, '--network', project.names.outbound, images.agent, ...COMMAND]),
      'lockdown-off': () => project.ncl(['launch', project.names.folder, '--', ...COMMAND], { NANOCLAW_EGRESS_LOCKDOWN: 'false' }),
      'lockdown-self-test': () => project.ncl(['launch', project.names.folder, '--', ...COMMAND], { NANOCLAW_EGRESS_LOCKDOWN: 'true' }),
      'lockdown-skip-self-test': () =>
        project.ncl(['launch', '--skip-self-test', project.names.folder, '--', ...COMMAND], { NANOCLAW_EGRESS_LOCKDOWN: 'true' }),
      // The first launch on a network, or after the network, vault or engine changed: the full self-test.
      'lockdown-full-proof': async () => {
        await rm(project.proofFile(), { force: true });
        return project.ncl(['launch', project.names.folder, '--', ...COMMAND], { NANOCLAW_EGRESS_LOCKDOWN: 'true' });
      },
    };
    // One unmeasured launch per mode first: it creates the agent in the vault and warms the caches.
    for (let i = 0; i <= o.samples; i++) {
      for (const mode of LAUNCH_MODES) {
        const name = mode === 'docker-run' ? plainName : mode === 'docker-run-network' ? networkName : agentName;
        await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
        o.progress(`launch: ${MODE_LABELS[mode]} (${i === 0 ? 'warm-up' : `${i}/${o.samples}`})…`);
        const r = check(await run[mode](), MODE_LABELS[mode]);
        await requireRunning(docker, name, mode);
        if (i > 0) samples[mode].push({ ms: r.ms, cpuMs: r.cpuMs });
      }
    }
  } catch (err) {
    notes.push(`launch failed: ${errorMessage(err)}`);
  } finally {
    await project.dispose(docker, [plainName, networkName, agentName]);
  }
  return { rows: buildLaunchRows(samples), notes };
}
