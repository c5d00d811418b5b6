import type Docker from 'dockerode';

/**
 * The networks an agent container is on. An agent joins the namespace of its network holder
 * (`NetworkMode: container:<id>`, src/docker/network-holder.ts) and has no endpoint of its own,
 * so its networks are its holder's; it must hold that way (never a network of its own).
 */
export async function agentNetworks(docker: Docker, agent: string): Promise<string[]> {
  const info = await docker.getContainer(agent).inspect();
  const mode = info.HostConfig.NetworkMode ?? '';
  if (!mode.startsWith('container:')) throw new Error(`agent ${agent} does not join a network holder (NetworkMode ${mode})`);
  if (Object.keys(info.NetworkSettings.Networks ?? {}).length > 0) throw new Error(`agent ${agent} has network endpoints of its own`);
  const holder = await docker.getContainer(mode.slice('container:'.length)).inspect();
  if (holder.Config.Labels?.['nanoclaw.role'] !== 'netns') throw new Error(`agent ${agent} joins ${holder.Name}, which is not a network holder`);
  return Object.keys(holder.NetworkSettings.Networks ?? {});
}

/** Removes the agent containers and network holders carrying `label` (a network cannot be removed while a holder is on it). */
export async function removeAgentsAndHolders(docker: Docker, label: string): Promise<void> {
  const labelled = await docker.listContainers({ all: true, filters: { label: [label] } });
  const ours = labelled.filter((c) => ['agent', 'netns'].includes(c.Labels['nanoclaw.role'] ?? ''));
  await Promise.all(ours.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}
