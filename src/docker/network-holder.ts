import type { ContainerCreateOptions } from 'dockerode';
import { agentContainerName, nameTaken } from './agent-spec.js';
import { isManaged, LABEL, resourceLabels } from './labels.js';

/**
 * An agent's network namespace is held by a container of its own, one per group and network, that
 * only waits; the agent joins it (`NetworkMode: container:<id>`). Starting a container on a
 * user-defined network is mostly network setup (veth pair, iptables, Docker's embedded DNS with
 * its re-exec into the namespace): on Docker 20.10 here, ~260 ms against ~80 ms for one that joins
 * a namespace already set up. The holder pays that once; every later launch of the group reuses it
 * while it is ours, running, of the same image and on exactly the expected network (judgeHolder).
 * The agent's own routes and interfaces are still read at each gated launch (the start gate), so
 * the lockdown proof judges the namespace the agent is really in.
 */

/** The label naming the network a holder was created on (its name; the id is read from the engine). */
export const LABEL_HOLDER_NETWORK = 'nanoclaw.network';

// Blocks in the shell's own `read` on a stdin the engine keeps open (OpenStdin, no writer): no
// binary needed (a missing `sleep` would make a loop spin), no CPU, and `docker stop` ends it at
// once. Should stdin ever end, the holder exits and the next launch makes a new one.
const HOLD_SCRIPT = "trap 'exit 0' TERM INT; while read -r _; do :; done";
// Nobody, no capabilities, read-only: the holder runs nothing an agent could use.
const HOLDER_USER = '65534:65534';
const HOLDER_MEMORY = 16 * 1024 * 1024;
const HOLDER_PIDS = 8;

export interface HolderInput {
  folder: string;
  install?: string;
  /** The image it runs (the agent's: already present, with the /bin/sh the start gate needs too). */
  image: string;
  /** The network's name, and the id when the launcher judged that network (lockdown): joined by id. */
  network: { name: string; id?: string };
  /** For the test-run labels (NANOCLAW_TEST_RUN_ID). */
  env: Readonly<Record<string, string | undefined>>;
}

/** The holder container's name: the agent's, then the network it holds. */
export function holderName(folder: string, network: string, install?: string): string {
  return `${agentContainerName(folder, install)}.net-${network}`;
}

/** The create options of a group's holder on one network. Pure. */
export function holderSpec(input: HolderInput): ContainerCreateOptions {
  const ref = input.network.id ?? input.network.name;
  return {
    name: holderName(input.folder, input.network.name, input.install),
    Image: input.image,
    Entrypoint: ['/bin/sh', '-c', HOLD_SCRIPT],
    Cmd: [],
    OpenStdin: true,
    StdinOnce: false,
    User: HOLDER_USER,
    Labels: {
      ...resourceLabels({ role: 'netns', install: input.install, group: input.folder, env: input.env }),
      [LABEL_HOLDER_NETWORK]: input.network.name,
    },
    HostConfig: {
      NetworkMode: ref,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      PidsLimit: HOLDER_PIDS,
      Memory: HOLDER_MEMORY,
      MemorySwap: HOLDER_MEMORY,
    },
    NetworkingConfig: { EndpointsConfig: { [ref]: {} } },
  };
}

/** What the engine says of a holder (`GET /containers/{name}/json`), as far as it is judged. */
export interface HolderInfo {
  Id: string;
  Config: { Image?: string; Labels?: Record<string, string> | null };
  State: { Running?: boolean };
  NetworkSettings: { Networks?: Record<string, { NetworkID?: string }> | null };
}

/** Whether an existing holder may hold this launch's agent: null when it may, else why not. Pure. */
export function judgeHolder(info: HolderInfo, input: HolderInput): string | null {
  const labels = info.Config.Labels;
  if (!isManaged(labels, 'netns') || labels?.[LABEL.group] !== input.folder) throw nameTaken(holderName(input.folder, input.network.name, input.install));
  if (!info.State.Running) return 'not running';
  if (info.Config.Image !== input.image) return `image ${info.Config.Image ?? '?'} is not ${input.image}`;
  const networks = Object.entries(info.NetworkSettings.Networks ?? {});
  const [only] = networks;
  if (networks.length !== 1 || !only || only[0] !== input.network.name) return `networks ${networks.map(([n]) => n).join(',') || 'none'} are not ${input.network.name} alone`;
  if (input.network.id && only[1].NetworkID !== input.network.id) return `network ${input.network.name} is not the one inspected (${input.network.id.slice(0, 12)})`;
  return null;
}
