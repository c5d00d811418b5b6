import { PassThrough, type Writable } from 'node:stream';
import type { ContainerCreateOptions } from 'dockerode';
import type Docker from 'dockerode';
import { NanoclawError, errorMessage } from '../common/errors.js';
import { LABEL_COMMAND, LABEL_LOCKDOWN, LABEL_NATIVE, LABEL_PROJECT } from './agent-spec.js';
import { isManaged, LABEL, labelFilters } from './labels.js';
import { GATE_SIGNAL, gatedSpec } from './start-gate.js';

export interface AgentRef {
  folder: string;
  install?: string;
}

export interface AgentSummary {
  id: string;
  name: string;
  group: string;
  state: string;
  status: string;
  image: string;
  lockdown: boolean;
  native: boolean;
  /** The `ncl launch -- command…` override it was started with, if any. */
  command: string[] | null;
  /** The project directory that launched it, when recorded. */
  project: string | null;
  createdAt: string;
}

function summary(c: Docker.ContainerInfo): AgentSummary {
  const labels = c.Labels ?? {};
  let command: string[] | null = null;
  try {
    command = labels[LABEL_COMMAND] ? (JSON.parse(labels[LABEL_COMMAND]) as string[]) : null;
  } catch {
    command = null;
  }
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? '').replace(/^\//, ''),
    group: labels[LABEL.group] ?? '',
    state: c.State,
    status: c.Status,
    image: c.Image,
    lockdown: labels[LABEL_LOCKDOWN] === '1',
    native: labels[LABEL_NATIVE] === '1',
    command,
    project: labels[LABEL_PROJECT] ?? null,
    createdAt: new Date(c.Created * 1000).toISOString(),
  };
}

/** Our agent containers of one install (one group when `folder` is given), running or not. */
export async function listAgentContainers(docker: Docker, ref: { install?: string; folder?: string }): Promise<AgentSummary[]> {
  const filters = labelFilters({ role: 'agent', install: ref.install, ...(ref.folder ? { group: ref.folder } : {}) });
  const found = await docker.listContainers({ all: true, filters });
  return found.map(summary).sort((a, b) => a.group.localeCompare(b.group));
}

/** Removes the group's container(s); returns how many. Only ever containers we labelled. */
export async function removeAgentContainer(docker: Docker, ref: AgentRef): Promise<number> {
  const found = await listAgentContainers(docker, ref);
  await Promise.all(found.map((c) => docker.getContainer(c.id).remove({ force: true }).catch(() => undefined)));
  return found.length;
}

/** Stops and removes the group's container; false when it had none. */
export async function stopAgentContainer(docker: Docker, ref: AgentRef): Promise<boolean> {
  const found = await listAgentContainers(docker, ref);
  for (const c of found) {
    await docker.getContainer(c.id).stop({ t: 10 }).catch(() => undefined);
    await docker.getContainer(c.id).remove({ force: true }).catch(() => undefined);
  }
  return found.length > 0;
}

async function refuseForeignName(docker: Docker, name: string | undefined): Promise<void> {
  if (!name) return;
  const info = await docker.getContainer(name).inspect().catch(() => null);
  // Role too: a container inherits its image's labels, and our images carry managed=1 (role image).
  if (info && !(isManaged(info.Config.Labels) && info.Config.Labels[LABEL.role] === 'agent')) {
    throw new NanoclawError('name_taken', `A container named ${name} exists and was not created by nanoclaw; it is left alone`, {
      hint: `Rename or remove it yourself (docker rm -f ${name}), then launch again`,
    });
  }
  if (info) await docker.getContainer(info.Id).remove({ force: true });
}

export interface CreatedAgent {
  id: string;
  /** True when started behind the start gate: call releaseAgent() to run its command. */
  gated: boolean;
}

/**
 * Creates the agent container from `spec`. With `gate`, it is started at once but held before
 * its command (for the self-test); without, it is created only, for startAgent().
 */
export async function createAgentContainer(docker: Docker, spec: ContainerCreateOptions, options: { gate: boolean }): Promise<CreatedAgent> {
  await refuseForeignName(docker, spec.name);
  let final = spec;
  if (options.gate) {
    const image = await docker.getImage(spec.Image ?? '').inspect().catch((err: unknown) => {
      throw new NanoclawError('image_missing', `The agent image ${spec.Image} is not available (${errorMessage(err)})`, {
        hint: 'Build it with: ncl images build',
      });
    });
    final = gatedSpec(spec, image.Config);
  }
  const container = await docker.createContainer(final).catch((err: unknown) => {
    throw new NanoclawError('agent_create_failed', `Cannot create the agent container ${spec.name}: ${errorMessage(err)}`, {
      hint: /No such image/i.test(errorMessage(err)) ? 'Build the agent image with: ncl images build' : 'Check the engine with: docker info',
    });
  });
  if (options.gate) await container.start();
  return { id: container.id, gated: options.gate };
}

/** Starts a created agent, or lets a gated one run its command. */
export async function startAgent(docker: Docker, agent: CreatedAgent): Promise<void> {
  const container = docker.getContainer(agent.id);
  if (agent.gated) await container.kill({ signal: GATE_SIGNAL });
  else await container.start();
}

/** Writes the group's container logs to `out`/`err`; with `follow`, until the container stops. */
export async function agentLogs(docker: Docker, ref: AgentRef, options: { follow: boolean; out: Writable; err: Writable; tail?: number }): Promise<void> {
  const [found] = await listAgentContainers(docker, ref);
  if (!found) {
    throw new NanoclawError('no_agent', `Group ${ref.folder} has no agent container`, { hint: `Start it with: ncl launch ${ref.folder}` });
  }
  const container = docker.getContainer(found.id);
  const base = { stdout: true, stderr: true, ...(options.tail !== undefined ? { tail: options.tail } : {}) };
  if (!options.follow) {
    const raw = (await container.logs({ ...base, follow: false })) as Buffer;
    const stream = new PassThrough();
    docker.modem.demuxStream(stream, options.out, options.err);
    stream.end(raw);
    await new Promise((resolve) => stream.on('end', resolve));
    return;
  }
  const stream = await container.logs({ ...base, follow: true });
  docker.modem.demuxStream(stream, options.out, options.err);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
}
