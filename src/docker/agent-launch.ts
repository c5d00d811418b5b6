import type { ContainerCreateOptions } from 'dockerode';
import { NanoclawError, errorMessage } from '../common/errors.js';
import { EngineError, type EngineApi } from './engine-api.js';
import { isManaged, labelFilters } from './labels.js';
import { nameTaken } from './agent-spec.js';
import { FACTS_END, parseFactsReport, type RawFacts } from './network-facts.js';
import { holderName, holderSpec, judgeHolder, type HolderInfo, type HolderInput } from './network-holder.js';
import { GATE_RELEASE, gatedSpec, type ImageCommand } from './start-gate.js';

/** The agent container steps of `ncl launch`, on the engine API (engine-api.ts says why not dockerode). */

interface ContainerInfo {
  Id: string;
  Config: { Labels?: Record<string, string> | null };
}

const notFound = (err: unknown) => (err instanceof EngineError && err.statusCode === 404 ? null : Promise.reject(err));
const path = (id: string) => `/containers/${encodeURIComponent(id)}`;

/**
 * The ids of the group's old agent container(s), to remove before a new one takes the name;
 * refuses (`name_taken`) when a container we did not create holds the name, and leaves it alone.
 */
export async function findAgentContainers(engine: EngineApi, ref: { name: string; folder: string; install?: string }): Promise<string[]> {
  const filters = JSON.stringify(labelFilters({ role: 'agent', install: ref.install, group: ref.folder }));
  const [named, ours] = await Promise.all([
    engine.json<ContainerInfo>('GET', `${path(ref.name)}/json`).catch(notFound),
    engine.json<{ Id: string }[]>('GET', '/containers/json', { query: { all: true, filters } }),
  ]);
  // Role too: a container inherits its image's labels, and our images carry managed=1 (role image).
  if (named && !isManaged(named.Config.Labels, 'agent')) throw nameTaken(ref.name);
  return [...new Set([...ours.map((c) => c.Id), ...(named ? [named.Id] : [])])];
}

/** The image's own entrypoint and command (the gate runs them after the check); `image_missing` when absent. */
export async function imageCommand(engine: EngineApi, image: string): Promise<ImageCommand> {
  const info = await engine.json<{ Config?: ImageCommand }>('GET', `/images/${encodeURIComponent(image)}/json`).catch((err: unknown) => {
    throw new NanoclawError('image_missing', `The agent image ${image} is not available (${errorMessage(err)})`, { hint: 'Build it with: ncl images build' });
  });
  return info.Config ?? {};
}

/** Creates a container from its create options (the name among them); returns its id. */
async function createContainer(engine: EngineApi, spec: ContainerCreateOptions, what: string): Promise<string> {
  const { name, ...body } = spec;
  const created = await engine.json<{ Id: string }>('POST', '/containers/create', { query: { name }, body }).catch((err: unknown) => {
    throw new NanoclawError('agent_create_failed', `Cannot create ${what} ${name}: ${errorMessage(err)}`, {
      hint: /No such image/i.test(errorMessage(err)) ? 'Build the agent image with: ncl images build' : 'Check the engine with: docker info',
    });
  });
  return created.Id;
}

/** Creates the agent container; with `gateImage`, wrapped in the start gate. Returns its id. */
export function createAgent(engine: EngineApi, spec: ContainerCreateOptions, options: { gateImage: ImageCommand | null }): Promise<string> {
  return createContainer(engine, options.gateImage ? gatedSpec(spec, options.gateImage) : spec, 'the agent container');
}

/** The group's holder on a network as the engine has it, or null (network-holder.ts). */
export function inspectHolder(engine: EngineApi, ref: Pick<HolderInput, 'folder' | 'network' | 'install'>): Promise<HolderInfo | null> {
  return engine.json<HolderInfo>('GET', `${path(holderName(ref.folder, ref.network.name, ref.install))}/json`).catch(notFound);
}

export interface HeldNetwork {
  id: string;
  /** Why the holder in place was not reused (it was removed), or null when none was there or it was. */
  replaced: string | null;
}

/**
 * The id of the container holding the agent's network: the one `found` (inspected while the vault
 * answered) when judgeHolder accepts it, else a new one, made and started; one it rejected goes first.
 */
export async function ensureNetworkHolder(engine: EngineApi, input: HolderInput, found: HolderInfo | null): Promise<HeldNetwork> {
  const replaced = found ? judgeHolder(found, input) : null;
  if (found && replaced === null) return { id: found.Id, replaced };
  if (found) await removeContainer(engine, found.Id);
  const made = await createContainer(engine, holderSpec(input), 'the agent’s network holder').catch(async (err: unknown) => {
    // Another launch of the group made it first: the one it made is judged as any other.
    const raced = await inspectHolder(engine, input).catch(() => null);
    if (raced && judgeHolder(raced, input) === null) return { raced: raced.Id };
    throw err;
  });
  if (typeof made !== 'string') return { id: made.raced, replaced };
  await startContainer(engine, made).catch(async (err: unknown) => {
    await removeContainer(engine, made).catch(() => undefined);
    throw err;
  });
  return { id: made, replaced };
}

export async function startContainer(engine: EngineApi, id: string): Promise<void> {
  await engine.json('POST', `${path(id)}/start`);
}

/** Removes a container and returns once it is gone (also when another process was already removing it). */
export async function removeContainer(engine: EngineApi, id: string): Promise<void> {
  await engine.json('DELETE', path(id), { query: { force: true } }).catch(async (err: unknown) => {
    if (!(err instanceof EngineError && err.statusCode === 409)) return notFound(err);
    await engine.json('POST', `${path(id)}/wait`, { query: { condition: 'removed' } }).catch(notFound);
  });
}

export interface OpenGate {
  /** The network facts the gate prints once the container starts. */
  facts: Promise<RawFacts>;
  /** Lets the agent run its command: the release line, then the end of its stdin; resolves once written to the engine. */
  release(): Promise<void>;
  /** Ends the attach; a gate not released then exits without running the command. */
  close(): void;
}

/**
 * Attaches to a created, gated agent before it starts (as `docker run -i` does): to its stderr, so
 * the facts its gate prints are read as they come, and to its stdin, where `release` writes. Two
 * attaches: the one written to never carries output, so closing it can never reset the connection
 * over unread bytes before the engine has read the release.
 */
export async function openGate(engine: EngineApi, id: string, timeoutMs = 30_000): Promise<OpenGate> {
  const attach = (query: Record<string, boolean>) => engine.hijack(`${path(id)}/attach`, { query: { stream: true, ...query } });
  const [output, input] = await Promise.allSettled([attach({ stderr: true, stdout: false }), attach({ stdin: true, stdout: false, stderr: false })]);
  if (output.status === 'rejected' || input.status === 'rejected') {
    for (const r of [output, input]) if (r.status === 'fulfilled') r.value.destroy();
    throw output.status === 'rejected' ? output.reason : (input as PromiseRejectedResult).reason;
  }
  const facts = readGateReport(output.value, timeoutMs);
  facts.catch(() => undefined); // a failed start wins; the report then settles unobserved
  const stdin = input.value;
  const release = () =>
    new Promise<void>((resolve, reject) => {
      stdin.once('error', reject);
      stdin.end(`${GATE_RELEASE}\n`, resolve);
    });
  const close = () => {
    stdin.destroy();
    output.value.destroy();
  };
  return { facts, release, close };
}

/** Demultiplexes the attach stream (8-byte frame headers) until the facts report is complete. */
function readGateReport(socket: NodeJS.ReadableStream, timeoutMs: number): Promise<RawFacts> {
  return new Promise((resolve, reject) => {
    let pending = Buffer.alloc(0);
    let text = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new NanoclawError('self_test_failed', `The agent container’s start gate ${why}: ${text.trim().slice(0, 300) || 'no output'}`, {
        hint: 'The agent image needs /bin/sh (the gate uses its builtins only); or launch with --skip-self-test (not recommended)',
      }));
    };
    const timer = setTimeout(() => fail(`did not report its network within ${timeoutMs} ms`), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 8 && pending.length >= 8 + pending.readUInt32BE(4)) {
        const size = pending.readUInt32BE(4);
        text += pending.subarray(8, 8 + size).toString('utf8');
        pending = pending.subarray(8 + size);
      }
      const facts = text.includes(`\n${FACTS_END}`) ? parseFactsReport(text) : null;
      if (facts) {
        clearTimeout(timer);
        resolve(facts);
      }
    });
    socket.on('end', () => fail('exited before it reported its network'));
    socket.on('close', () => fail('stream closed before the report'));
    socket.on('error', (err: Error) => fail(`stream failed (${err.message})`));
  });
}
