import { describe, expect, it } from 'vitest';
import { mostly, seededRandom } from '../../test/support/seeded-random.js';
import { holderName, holderSpec, judgeHolder, LABEL_HOLDER_NETWORK, type HolderInfo, type HolderInput } from './network-holder.js';

const input = (over: Partial<HolderInput> = {}): HolderInput => ({
  folder: 'main',
  image: 'nanoclaw-agent:0.1.0',
  network: { name: 'nanoclaw-egress', id: 'e'.repeat(64) },
  env: {},
  ...over,
});

const info = (over: Partial<{ labels: Record<string, string> | null; running: boolean; image: string; networks: Record<string, { NetworkID?: string }> }> = {}): HolderInfo => ({
  Id: 'h'.repeat(64),
  Config: {
    Image: over.image ?? 'nanoclaw-agent:0.1.0',
    Labels: over.labels === undefined ? (holderSpec(input()).Labels ?? null) : over.labels,
  },
  State: { Running: over.running ?? true },
  NetworkSettings: { Networks: over.networks ?? { 'nanoclaw-egress': { NetworkID: 'e'.repeat(64) } } },
});

describe('holderSpec', () => {
  it('holds the network by its id when judged, runs nothing an agent could use, and is labelled for its group and network', () => {
    const spec = holderSpec(input());
    expect(spec.name).toBe('nanoclaw-agent-main.net-nanoclaw-egress');
    expect(spec.HostConfig).toMatchObject({ NetworkMode: 'e'.repeat(64), CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], ReadonlyRootfs: true });
    expect(Object.keys(spec.NetworkingConfig?.EndpointsConfig ?? {})).toEqual(['e'.repeat(64)]);
    expect(spec.User).toBe('65534:65534');
    expect(spec.Entrypoint?.[0]).toBe('/bin/sh');
    // It waits on a stdin the engine holds open, with shell builtins only.
    expect(spec).toMatchObject({ OpenStdin: true, StdinOnce: false });
    expect(spec.Entrypoint?.[2]).not.toMatch(/sleep/);
    expect(spec.Labels).toMatchObject({ 'nanoclaw.managed': '1', 'nanoclaw.role': 'netns', 'nanoclaw.group': 'main', [LABEL_HOLDER_NETWORK]: 'nanoclaw-egress' });
  });

  it('by name when the network was not judged (lockdown off); one holder per group, network and install', () => {
    expect(holderSpec(input({ network: { name: 'nanoclaw-outbound' } })).HostConfig?.NetworkMode).toBe('nanoclaw-outbound');
    const names = new Set([holderName('a', 'n1'), holderName('a', 'n2'), holderName('b', 'n1'), holderName('a', 'n1', 'other')]);
    expect(names.size).toBe(4);
  });
});

describe('judgeHolder', () => {
  it('reuses ours, running, of the same image, on exactly the expected network (by id when judged)', () => {
    expect(judgeHolder(info(), input())).toBeNull();
    expect(judgeHolder(info({ networks: { 'nanoclaw-egress': { NetworkID: 'x' } } }), input({ network: { name: 'nanoclaw-egress' } }))).toBeNull();
  });

  it('refuses to touch a container of that name that is not our holder of that group', () => {
    const others: (Record<string, string> | null)[] = [null, { 'nanoclaw.managed': '1', 'nanoclaw.role': 'agent', 'nanoclaw.group': 'main' }, { ...holderSpec(input()).Labels, 'nanoclaw.group': 'other' }];
    for (const labels of others) {
      expect(() => judgeHolder(info({ labels }), input())).toThrow(/not created by nanoclaw/);
    }
  });

  it('generated: accepts exactly when running, same image, one network of the expected name and id', () => {
    const r = seededRandom(1207);
    const names = ['nanoclaw-egress', 'nanoclaw-outbound', 'bridge', 'nanoclaw-egress2'];
    const ids = ['e'.repeat(64), 'f'.repeat(64), undefined];
    for (let i = 0; i < 500; i++) {
      const count = mostly(r, [1, 0, 2, 3]);
      const networks: Record<string, { NetworkID?: string }> = {};
      for (let n = 0; n < count; n++) networks[mostly(r, names)] = { ...(mostly(r, ids) ? { NetworkID: mostly(r, ids)! } : {}) };
      const judged = r() < 0.7;
      const case_ = { running: r() < 0.8, image: mostly(r, ['nanoclaw-agent:0.1.0', 'nanoclaw-agent:0.0.9', 'other:latest']), networks };
      const want = input(judged ? {} : { network: { name: 'nanoclaw-egress' } });
      const entries = Object.entries(networks);
      const expected =
        case_.running &&
        case_.image === 'nanoclaw-agent:0.1.0' &&
        entries.length === 1 &&
        entries[0]![0] === 'nanoclaw-egress' &&
        (!judged || entries[0]![1].NetworkID === 'e'.repeat(64));
      const verdict = judgeHolder(info(case_), want);
      expect(verdict === null, `case ${i}: ${JSON.stringify(case_)} judged=${judged} → ${verdict}`).toBe(expected);
    }
  });
});
