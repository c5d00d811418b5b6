import { BlockList } from 'node:net';
import { z } from 'zod';
import { factDifferences } from './network-facts.js';
import { nodeCrypto } from '../common/node-crypto.js';

/**
 * When a full lockdown self-test can be trusted for the next launch. A proof holds for one
 * (network, gateway container, engine, host addresses, probe) — its key — for at most
 * PROOF_MAX_AGE_MS, and for a container whose network facts equal the proven container's.
 * Anything else proves again in full. Pure.
 */

/** Long enough that a working session proves once; short enough that a change no key field sees is caught within the hour. */
export const PROOF_MAX_AGE_MS = 60 * 60 * 1000;

export interface ProofKeyInput {
  network: {
    Id: string;
    Name: string;
    Driver?: string;
    Internal?: boolean;
    EnableIPv6?: boolean;
    Options?: Record<string, string> | null;
    IPAM?: { Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[] | null } | null;
  };
  /** The container the agents reach as `gateway` (the vault, or the relay). */
  gateway: { Id: string; StartedAt: string; address: string };
  engine: { version: string; apiVersion: string; kernel: string; startedAt: string | null };
  hostAddresses: readonly string[];
  /** What the probe tries: ports, the script's own digest. */
  probe: { gatewayPort: number; apiPort: number; ports: readonly number[]; script: string };
}

export type ProofKey = Record<string, string>;

const digest = (text: string) => nodeCrypto().createHash('sha256').update(text).digest('hex').slice(0, 16);
const sortedJson = (o: Record<string, string> | null | undefined) => JSON.stringify(Object.entries(o ?? {}).sort(([a], [b]) => a.localeCompare(b)));

/**
 * The host's addresses inside the network's subnets: an address there is the host on the bridge
 * (what inhibit_ipv4 prevents). Addresses elsewhere need not be in the key: the proven facts route
 * them all through one next hop that the proof found silent (or nowhere), and Docker adds and
 * removes a host address with every bridge network.
 */
export function hostAddressesOn(network: ProofKeyInput['network'], addresses: readonly string[]): string[] {
  const subnets = new BlockList();
  for (const c of network.IPAM?.Config ?? []) {
    const [base, prefix] = (c.Subnet ?? '').split('/');
    if (base && prefix) subnets.addSubnet(base, Number(prefix), family(base));
  }
  return addresses.filter((a) => subnets.check(a, family(a)));
}

// Only IPv6 addresses hold a colon; BlockList checks the address itself. (node:net's isIPv6 compiles
// a pattern that costs a launch ~5 ms of CPU.)
const family = (address: string) => (address.includes(':') ? 'ipv6' : 'ipv4');

/** The key as named fields, so a changed one can be named in the log. */
export function proofKey(input: ProofKeyInput): ProofKey {
  const n = input.network;
  return {
    'network id': n.Id,
    'network settings': JSON.stringify([n.Driver ?? 'bridge', !!n.Internal, !!n.EnableIPv6, sortedJson(n.Options), n.IPAM?.Config ?? []]),
    'gateway container': `${input.gateway.Id} started ${input.gateway.StartedAt} at ${input.gateway.address}`,
    engine: `${input.engine.version} api ${input.engine.apiVersion} kernel ${input.engine.kernel} started ${input.engine.startedAt ?? 'unknown'}`,
    'host addresses on the network': hostAddressesOn(n, input.hostAddresses).sort().join(','),
    probe: `${input.probe.gatewayPort},${input.probe.apiPort},${input.probe.ports.join(' ')},${digest(input.probe.script)}`,
  };
}

export const ProofRecordSchema = z.object({
  version: z.literal(1),
  network: z.string(),
  key: z.record(z.string(), z.string()),
  provenAt: z.string(),
  /** canonicalFacts of the container the proof ran in. */
  facts: z.array(z.string()),
  tried: z.number().int(),
});
export type ProofRecord = z.infer<typeof ProofRecordSchema>;

export type ProofStatus = { valid: true } | { valid: false; reason: string };

/** Whether `record` still proves the lockdown for a container with `facts`, and if not, why. */
export function judgeProof(input: { record: ProofRecord | null; key: ProofKey; facts: readonly string[]; now: number }): ProofStatus {
  const { record, key } = input;
  if (!record) return { valid: false, reason: 'the network was never proven' };
  const changed = Object.keys({ ...key, ...record.key }).filter((k) => key[k] !== record.key[k]);
  if (changed.length > 0) return { valid: false, reason: `changed since the proof: ${changed.join(', ')}` };
  const age = input.now - Date.parse(record.provenAt);
  if (!(age >= 0 && age <= PROOF_MAX_AGE_MS)) return { valid: false, reason: 'the proof is older than an hour' };
  const { added, missing } = factDifferences(record.facts, input.facts);
  if (added.length + missing.length > 0) {
    return { valid: false, reason: `the agent's network differs from the proven one (new: ${added.join('; ') || 'none'}; gone: ${missing.join('; ') || 'none'})` };
  }
  return { valid: true };
}
