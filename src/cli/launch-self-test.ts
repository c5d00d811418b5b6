import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-write.js';
import { NanoclawError } from '../common/errors.js';
import { judgeProof, proofKey, ProofRecordSchema, type ProofKey, type ProofRecord } from '../docker/lockdown-proof.js';
import type { LockdownState } from '../docker/lockdown-state.js';
import { LABEL_HOLDER_NETWORK } from '../docker/network-holder.js';
import { canonicalFacts, type RawFacts } from '../docker/network-facts.js';
import { DEFAULT_PROBE_PORTS, PROBE_SCRIPT } from '../docker/self-test-probe.js';
import type { CliContext } from './context.js';
import { hostAddresses } from './launch-inputs.js';
import { PARSE_ONCE } from '../common/parse-once.js';

export type SelfTestOutcome = { passed: true; tried: number; proof: 'full' | 'cached'; provenAt: string };

export interface LockdownExpectationInput {
  network: string;
  /** The network (which the container joins by its id), the container answering as `gateway` on it, the engine (lockdown-state.ts). */
  state: LockdownState;
  gateway: { host: string; port: number };
  apiPort: number;
  runtimeDir: string;
}

/** What the agent's facts are judged against: the key of this launch and the proof kept, if any. */
export interface LockdownExpectation {
  key: ProofKey;
  record: ProofRecord | null;
}

export interface LockdownCheckInput extends Omit<LockdownExpectationInput, 'state'> {
  folder: string;
  /** The held agent container and the facts its gate printed. */
  containerId: string;
  facts: Promise<RawFacts>;
  user: string;
  /** From lockdownExpectation, worked out while the container was made and started. */
  expected: LockdownExpectation;
}

/** Where the proof of one lockdown network is kept (the project's runtime dir: private, not in the project). */
export function proofFile(runtimeDir: string, network: string): string {
  return join(runtimeDir, 'lockdown', `${encodeURIComponent(network)}.json`);
}

async function loadProof(file: string): Promise<ProofRecord | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const parsed = ProofRecordSchema.safeParse(JSON.parse(text), PARSE_ONCE);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The proof key of this launch (hashing the probe loads node:crypto) and the kept proof: both known before the agent starts. */
export async function lockdownExpectation(input: LockdownExpectationInput): Promise<LockdownExpectation> {
  const probe = { gatewayPort: input.gateway.port, apiPort: input.apiPort, ports: DEFAULT_PROBE_PORTS, script: PROBE_SCRIPT };
  const key = proofKey({ ...input.state, hostAddresses: hostAddresses(), probe });
  return { key, record: await loadProof(proofFile(input.runtimeDir, input.network)) };
}

/**
 * Proves the agent's network closed but for the gateway, or throws `lockdown_self_test_failed`.
 * A proof of the same key and facts within the hour (lockdown-proof.ts) stands; otherwise the full
 * self-test runs from inside the held container and, passed, becomes the new proof.
 */
export async function checkLockdown(ctx: CliContext, input: LockdownCheckInput): Promise<SelfTestOutcome> {
  const { key, record } = input.expected;
  const file = proofFile(input.runtimeDir, input.network);
  const raw = await input.facts;
  const facts = canonicalFacts(raw);
  const status = judgeProof({ record, key, facts, now: Date.now() });
  if (status.valid && record) {
    ctx.logger.info('Lockdown self-test: the agent’s network is the one proven closed', { network: input.network, provenAt: record.provenAt });
    return { passed: true, tried: record.tried, proof: 'cached', provenAt: record.provenAt };
  }

  ctx.logger.info('Proving the lockdown in full', { network: input.network, why: status.valid ? 'no proof' : status.reason });
  const started = performance.now();
  // The full proof execs into the container through dockerode, loaded only now (engine-api.ts says why).
  const [{ connectDocker }, { runSelfTest }] = await Promise.all([import('../docker/docker-client.js'), import('../docker/self-test.js')]);
  const report = await runSelfTest({
    docker: await connectDocker({ env: ctx.env }),
    containerId: input.containerId,
    user: input.user,
    agentNetwork: input.network,
    hostAddresses: hostAddresses(),
    gateway: input.gateway,
    apiPort: input.apiPort,
  });
  if (!report.ok) {
    await rm(file, { force: true });
    const problems = [...report.escapes, ...(report.gatewayProblem ? [report.gatewayProblem] : [])];
    throw new NanoclawError('lockdown_self_test_failed', `Lockdown self-test failed for ${input.folder}; the container was removed. Open: ${problems.join('; ')}`, {
      hint: `Recreate the lockdown network: ncl vault down, then remove the agents' network holders on it (docker rm -f $(docker ps -aq --filter label=${LABEL_HOLDER_NETWORK}=${input.network})), docker network rm ${input.network}, ncl vault up; then launch again`,
      details: { escapes: report.escapes },
    });
  }
  const provenAt = new Date().toISOString();
  const proven: ProofRecord = { version: 1, network: input.network, key, provenAt, facts, tried: report.tried };
  await writeFileAtomic(file, `${JSON.stringify(proven, null, 2)}\n`, { mode: 0o600 });
  ctx.logger.info('Lockdown self-test passed: every path out is closed', { network: input.network, tried: report.tried, ms: Math.round(performance.now() - started) });
  return { passed: true, tried: report.tried, proof: 'full', provenAt };
}
