import { describe, expect, it } from 'vitest';
import { egressNetworkSpec, networkCreateOptions, networkDifferences, outboundNetworkSpec } from './network-spec.js';

const labels = { 'nanoclaw.managed': '1' };
const egress = egressNetworkSpec({ name: 'nanoclaw-egress', labels });
const outbound = outboundNetworkSpec({ name: 'nanoclaw-outbound', labels });

describe('network specs', () => {
  it('makes the egress network internal with inhibit_ipv4 and no IPv6, and the outbound one a plain bridge', () => {
    expect(networkCreateOptions(egress)).toMatchObject({
      Name: 'nanoclaw-egress',
      Driver: 'bridge',
      Internal: true,
      EnableIPv6: false,
      Options: { 'com.docker.network.bridge.inhibit_ipv4': 'true' },
      Labels: labels,
      CheckDuplicate: true,
    });
    expect(networkCreateOptions(outbound)).toMatchObject({ Internal: false, Options: {} });
  });
});

describe('networkDifferences', () => {
  const good = { Name: 'nanoclaw-egress', Driver: 'bridge', Internal: true, Options: { 'com.docker.network.bridge.inhibit_ipv4': 'true' } };

  it('accepts a matching network, extra options, and any spelling of true', () => {
    expect(networkDifferences(egress, good)).toEqual([]);
    expect(networkDifferences(egress, { ...good, Options: { 'com.docker.network.bridge.inhibit_ipv4': '1', 'com.docker.network.driver.mtu': '1400' } })).toEqual([]);
    expect(networkDifferences(outbound, { Name: 'nanoclaw-outbound', Driver: 'bridge', Internal: false, Options: {} })).toEqual([]);
  });

  it('names each difference: a plain --internal network, an internet-facing one, IPv6, another driver', () => {
    expect(networkDifferences(egress, { ...good, Options: {} })).toEqual([
      'option com.docker.network.bridge.inhibit_ipv4 is unset (needs "true")',
    ]);
    expect(networkDifferences(egress, { Name: 'x', Driver: 'macvlan', Internal: false, EnableIPv6: true, Options: null })).toEqual([
      'its driver is macvlan (needs bridge)',
      'it is not internal (needs --internal)',
      'it has IPv6 enabled (needs it off)',
      'option com.docker.network.bridge.inhibit_ipv4 is unset (needs "true")',
    ]);
    expect(networkDifferences(outbound, { Name: 'x', Driver: 'bridge', Internal: true })).toEqual(['it is internal (the vault needs a route out)']);
  });
});
