import { describe, expect, it } from 'vitest';
import { judgeProof, PROOF_MAX_AGE_MS, proofKey, type ProofKeyInput, type ProofRecord } from './lockdown-proof.js';

const input: ProofKeyInput = {
  network: {
    Id: 'net1',
    Name: 'nanoclaw-egress',
    Driver: 'bridge',
    Internal: true,
    EnableIPv6: false,
    Options: { 'com.docker.network.bridge.inhibit_ipv4': 'true' },
    IPAM: { Config: [{ Subnet: '192.168.112.0/20', Gateway: '192.168.112.1' }] },
  },
  gateway: { Id: 'vault1', StartedAt: '2026-12-07T01:00:00Z', address: '192.168.112.2' },
  engine: { version: '20.10.24', apiVersion: '1.41', kernel: '6.18', startedAt: 'boot:7629' },
  hostAddresses: ['10.0.0.5', '172.17.0.1'],
  probe: { gatewayPort: 10255, apiPort: 10254, ports: [22, 80], script: 'probe' },
};
const facts = ['link eth0', 'link lo', 'route4 00000000/00000000 via 0170A8C0 dev eth0 flags 0003 metric 0'];
const now = Date.parse('2026-12-07T02:00:00Z');
const record = (over: Partial<ProofRecord> = {}): ProofRecord => ({
  version: 1,
  network: 'nanoclaw-egress',
  key: proofKey(input),
  provenAt: new Date(now - 60_000).toISOString(),
  facts,
  tried: 44,
  ...over,
});
const judge = (r: ProofRecord | null, i: ProofKeyInput = input, f: string[] = facts) => judgeProof({ record: r, key: proofKey(i), facts: f, now });

describe('lockdown proof', () => {
  it('stands for the same key and facts within the hour', () => {
    expect(judge(record())).toEqual({ valid: true });
  });

  it('proves again when there is no proof or it is too old (or from the future)', () => {
    expect(judge(null)).toMatchObject({ valid: false, reason: /never proven/ });
    expect(judge(record({ provenAt: new Date(now - PROOF_MAX_AGE_MS - 1).toISOString() }))).toMatchObject({ valid: false, reason: /older/ });
    expect(judge(record({ provenAt: new Date(now + 60_000).toISOString() }))).toMatchObject({ valid: false });
    expect(judge(record({ provenAt: 'garbage' }))).toMatchObject({ valid: false });
  });

  it('names what changed: a recreated network, its options, the gateway, the engine, the host', () => {
    const cases: [Partial<ProofKeyInput>, string][] = [
      [{ network: { ...input.network, Id: 'net2' } }, 'network id'],
      [{ network: { ...input.network, Options: {} } }, 'network settings'],
      [{ network: { ...input.network, Internal: false } }, 'network settings'],
      [{ network: { ...input.network, IPAM: { Config: [{ Subnet: '10.9.0.0/16' }] } } }, 'network settings'],
      [{ gateway: { ...input.gateway, StartedAt: '2026-12-07T01:30:00Z' } }, 'gateway container'],
      [{ engine: { ...input.engine, startedAt: 'boot:9999' } }, 'engine'],
      [{ hostAddresses: [...input.hostAddresses, '192.168.112.1'] }, 'host addresses on the network'],
      [{ probe: { ...input.probe, script: 'probe v2' } }, 'probe'],
    ];
    for (const [change, field] of cases) {
      const status = judge(record(), { ...input, ...change });
      expect(status.valid, field).toBe(false);
      expect(!status.valid && status.reason, field).toContain(field);
    }
  });

  it('a host address outside the network does not change the key (Docker adds one per bridge)', () => {
    expect(judge(record(), { ...input, hostAddresses: [...input.hostAddresses, '172.30.0.1', 'fd00::1'] })).toEqual({ valid: true });
    const v6 = { ...input, network: { ...input.network, IPAM: { Config: [{ Subnet: 'fd00:1::/64' }] } } };
    expect(proofKey({ ...v6, hostAddresses: ['fd00:1::1'] })).not.toEqual(proofKey({ ...v6, hostAddresses: ['fd00:2::1'] }));
  });

  it('the key does not depend on the order of options or host addresses', () => {
    const reordered = { ...input, hostAddresses: ['192.168.112.9', '192.168.112.7'], network: { ...input.network, Options: { b: '1', a: '2' } } };
    const same = { ...input, hostAddresses: ['192.168.112.7', '192.168.112.9'], network: { ...input.network, Options: { a: '2', b: '1' } } };
    expect(proofKey(reordered)).toEqual(proofKey(same));
  });

  it('proves again for a container whose network differs from the proven one', () => {
    const status = judge(record(), input, [...facts, 'link eth1']);
    expect(status).toMatchObject({ valid: false, reason: expect.stringMatching(/differs.*link eth1/) });
  });
});
