import { describe, expect, it } from 'vitest';
import { isManaged, resourceLabels } from './labels.js';
import { relayContainerName, relayContainerSpec, type RelayContainerInput } from './relay-container-spec.js';

const input: RelayContainerInput = {
  name: 'onecli-relay',
  image: 'nanoclaw-vault:0.1.0',
  target: { host: 'vault.example.com', port: 10255 },
  outboundNetwork: 'nanoclaw-outbound',
  egressNetwork: 'nanoclaw-egress',
  labels: resourceLabels({ role: 'relay', env: {} }),
};

describe('relayContainerSpec', () => {
  const { create, egress } = relayContainerSpec(input);
  const host = create.HostConfig as Record<string, any>;

  it('runs the vault image in relay mode to exactly the target, listening on 10255, health on loopback', () => {
    expect(create.Image).toBe('nanoclaw-vault:0.1.0');
    expect(create.Cmd).toEqual([
      'node', '/app/dist/cli/ncl.js', 'vault', 'relay',
      '--listen', '0.0.0.0:10255', '--to', 'vault.example.com:10255', '--health-listen', '127.0.0.1:10256',
    ]);
    expect(JSON.stringify((create.Healthcheck as { Test: string[] }).Test)).toContain('http://127.0.0.1:10256/health');
    expect(relayContainerSpec({ ...input, target: { host: 'fd00::7', port: 443 } }).create.Cmd).toContain('[fd00::7]:443');
  });

  it('is hardened like the vault: no capabilities, no-new-privileges, read-only root, non-root, limits', () => {
    expect(host.CapDrop).toEqual(['ALL']);
    expect(host.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(host.ReadonlyRootfs).toBe(true);
    expect(create.User).toBe('1000:1000');
    expect(host.PidsLimit).toBeGreaterThan(0);
    expect(host.Memory).toBeGreaterThan(0);
    expect(host.RestartPolicy).toEqual({ Name: 'unless-stopped' });
  });

  it('publishes nothing, mounts nothing, holds no key; outbound network, then the lockdown network as "gateway"', () => {
    expect(host.PortBindings).toBeUndefined();
    expect(host.Mounts).toBeUndefined();
    expect(host.Binds).toBeUndefined();
    expect(JSON.stringify(create.Env)).not.toMatch(/KEY|TOKEN|SHA256/);
    expect(host.NetworkMode).toBe('nanoclaw-outbound');
    expect(egress).toEqual({ network: 'nanoclaw-egress', aliases: ['gateway'] });
  });

  it('is labelled as our relay, never as the vault', () => {
    expect(isManaged(create.Labels, 'relay')).toBe(true);
    expect(isManaged(create.Labels, 'vault')).toBe(false);
  });

  it('has a spec hash that changes with the target, so another target means a new container', () => {
    const a = relayContainerSpec(input);
    expect(a.create.Labels['nanoclaw.spec']).toBe(a.specHash);
    expect(relayContainerSpec(input).specHash).toBe(a.specHash);
    expect(relayContainerSpec({ ...input, target: { host: 'vault.example.com', port: 443 } }).specHash).not.toBe(a.specHash);
    expect(relayContainerSpec({ ...input, egressNetwork: 'other' }).specHash).not.toBe(a.specHash);
  });
});

describe('relayContainerName', () => {
  it('derives from the vault container name, so installs do not share a relay', () => {
    expect(relayContainerName('onecli')).toBe('onecli-relay');
    expect(relayContainerName('my-vault')).not.toBe(relayContainerName('onecli'));
  });
});
