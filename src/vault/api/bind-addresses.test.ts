import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { apiBindAddresses } from './bind-addresses.js';

const v4 = (address: string, netmask: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask,
  internal,
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  cidr: null,
});

const interfaces = {
  lo: [v4('127.0.0.1', '255.0.0.0', true)],
  eth0: [v4('172.25.0.2', '255.255.0.0')],
  eth1: [v4('172.26.0.2', '255.255.0.0')],
};

describe('apiBindAddresses', () => {
  it('binds loopback and only the interface facing the allowed clients', () => {
    expect(apiBindAddresses({ listenHost: '0.0.0.0', allowFrom: ['172.25.0.1'], interfaces })).toEqual(['127.0.0.1', '172.25.0.2']);
  });

  it('keeps the configured address without an allow-list, for an explicit host, or when no interface faces the clients', () => {
    expect(apiBindAddresses({ listenHost: '0.0.0.0', allowFrom: [], interfaces })).toEqual(['0.0.0.0']);
    expect(apiBindAddresses({ listenHost: '127.0.0.1', allowFrom: ['172.25.0.1'], interfaces })).toEqual(['127.0.0.1']);
    expect(apiBindAddresses({ listenHost: '0.0.0.0', allowFrom: ['10.9.9.9'], interfaces })).toEqual(['0.0.0.0']);
  });
});
