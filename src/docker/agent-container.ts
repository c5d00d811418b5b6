import { PassThrough, type Writable } from 'node:stream';
import type Docker from 'dockerode';
import { NanoclawError } from '../common/errors.js';
import { LABEL_COMMAND, LABEL_LOCKDOWN, LABEL_NATIVE, LABEL_PROJECT } from './agent-spec.js';
import { LABEL, labelFilters } from './labels.js';
import { LABEL_HOLDER_NETWORK } from './network-holder.js';

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

/** Stops and removes the group's container, then the holders of its network (network-holder.ts); false when it had no container. */
export async function stopAgentContainer(docker: Docker, ref: AgentRef): Promise<boolean> {
  const found = await listAgentContainers(docker, ref);
  for (const c of found) {
    await docker.getContainer(c.id).stop({ t: 10 }).catch(() => undefined);
    await docker.getContainer(c.id).remove({ force: true }).catch(() => undefined);
  }
  const holders = await docker.listContainers({ all: true, filters: labelFilters({ role: 'netns', install: ref.install, group: ref.folder }) });
  await Promise.all(holders.map((h) => docker.getContainer(h.Id).remove({ force: true }).catch(() => undefined)));
  return found.length > 0;
}

/**
 * Removes the network holders on `network` (network-holder.ts) that no agent container joins: with
 * the network going, they would only keep it from being removed. One an agent still uses stays,
 * and so does the network (the caller's removal says which containers to stop).
 */
export async function removeIdleHolders(docker: Docker, network: string): Promise<number> {
  // Every install's: holders and agents are matched by container id, whichever install made them.
  const ours = (role: string, ...more: string[]) => docker.listContainers({ all: true, filters: { label: [`${LABEL.managed}=1`, `${LABEL.role}=${role}`, ...more] } });
  const holders = await ours('netns', `${LABEL_HOLDER_NETWORK}=${network}`);
  const agents = await ours('agent');
  const joined = new Set(agents.map((a) => a.HostConfig?.NetworkMode?.replace(/^container:/, '')));
  const idle = holders.filter((h) => !joined.has(h.Id));
  await Promise.all(idle.map((h) => docker.getContainer(h.Id).remove({ force: true }).catch(() => undefined)));
  return idle.length;
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
