import { describe, expect, it } from 'vitest';
import { loadSettings } from '../config/settings.js';
import { pickGatewayHop, proxyEnvForHop, remoteGatewayAddress } from './gateway-hop.js';

const TOKEN = `aoc_${'ab'.repeat(32)}`;
const CONFIG_ENV = {
  HTTPS_PROXY: `http://x:${TOKEN}@gateway:10255`,
  HTTP_PROXY: `http://x:${TOKEN}@gateway:10255`,
  https_proxy: `http://x:${TOKEN}@gateway:10255`,
  http_proxy: `http://x:${TOKEN}@gateway:10255`,
  NODE_USE_ENV_PROXY: '1',
};

describe('remoteGatewayAddress', () => {
  it('is NANOCLAW_ONECLI_GATEWAY when set, else the API host on port 10255, else null', () => {
    expect(remoteGatewayAddress({ remoteApiHost: 'https://vault.example.com:8443', remoteGateway: { host: 'gw.example.com', port: 443 } })).toEqual({ host: 'gw.example.com', port: 443 });
    expect(remoteGatewayAddress({ remoteApiHost: 'https://Vault.Example.com:8443', remoteGateway: undefined })).toEqual({ host: 'vault.example.com', port: 10255 });
    expect(remoteGatewayAddress({ remoteApiHost: 'http://[fd00::7]:10254', remoteGateway: undefined })).toEqual({ host: 'fd00::7', port: 10255 });
    expect(remoteGatewayAddress({ remoteApiHost: undefined, remoteGateway: undefined })).toBeNull();
  });

  it('reads NANOCLAW_ONECLI_GATEWAY as host:port and refuses anything else', () => {
    const env = { NANOCLAW_ONECLI_API_HOST: 'https://vault.example.com', NANOCLAW_ONECLI_API_TOKEN: 'oc_x', NANOCLAW_ONECLI_GATEWAY: 'GW.example.com:8443' };
    const ok = loadSettings({ env, envFileDoc: null });
    expect(remoteGatewayAddress(ok.settings!)).toEqual({ host: 'gw.example.com', port: 8443 });
    const bad = loadSettings({ env: { ...env, NANOCLAW_ONECLI_GATEWAY: 'https://gw.example.com' }, envFileDoc: null });
    expect(bad.errors.map((e) => e.variable)).toEqual(['NANOCLAW_ONECLI_GATEWAY']);
  });
});

describe('pickGatewayHop', () => {
  const remote = { host: 'vault.example.com', port: 10255 };

  it('keeps the local vault: `gateway` under lockdown, the container name otherwise, the config’s port', () => {
    expect(pickGatewayHop({ lockdown: true, remote: null, gatewayContainer: 'onecli' })).toEqual({ kind: 'local', host: 'gateway', port: null });
    expect(pickGatewayHop({ lockdown: false, remote: null, gatewayContainer: 'onecli' })).toEqual({ kind: 'local', host: 'onecli', port: null });
  });

  it('goes through the relay under lockdown with a remote vault, and straight to the remote gateway without', () => {
    expect(pickGatewayHop({ lockdown: true, remote, gatewayContainer: 'onecli' })).toEqual({ kind: 'relay', host: 'gateway', port: 10255, target: remote });
    expect(pickGatewayHop({ lockdown: false, remote: { host: 'gw.example.com', port: 443 }, gatewayContainer: 'onecli' })).toEqual({ kind: 'remote', host: 'gw.example.com', port: 443 });
  });

  it('refuses a loopback remote gateway, which no container reaches', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '0.0.0.0']) {
      expect(() => pickGatewayHop({ lockdown: true, remote: { host, port: 10255 }, gatewayContainer: 'onecli' })).toThrow(/NANOCLAW_ONECLI_GATEWAY|loopback/);
    }
  });
});

describe('proxyEnvForHop', () => {
  it('points all four proxy variables at the remote gateway, keeping the token, leaving the rest alone', () => {
    const env = proxyEnvForHop(CONFIG_ENV, { kind: 'remote', host: 'gw.example.com', port: 8443 });
    for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy']) expect(env[name]).toBe(`http://x:${TOKEN}@gw.example.com:8443`);
    expect(env.NODE_USE_ENV_PROXY).toBe('1');
    expect(CONFIG_ENV.HTTPS_PROXY).toContain('@gateway:10255'); // input untouched
  });

  it('sets the relay port even when the remote config names another, and keeps the port for the local vault', () => {
    const remoteConfig = { HTTPS_PROXY: `http://x:${TOKEN}@onecli.internal:443` };
    expect(proxyEnvForHop(remoteConfig, { kind: 'relay', host: 'gateway', port: 10255, target: { host: 'h', port: 1 } }).HTTPS_PROXY).toBe(`http://x:${TOKEN}@gateway:10255`);
    expect(proxyEnvForHop(remoteConfig, { kind: 'local', host: 'onecli', port: null }).HTTPS_PROXY).toBe(`http://x:${TOKEN}@onecli:443`);
  });

  it('brackets an IPv6 remote gateway and leaves a variable that is not a URL for the spec to refuse', () => {
    expect(proxyEnvForHop(CONFIG_ENV, { kind: 'remote', host: 'fd00::7', port: 10255 }).HTTPS_PROXY).toBe(`http://x:${TOKEN}@[fd00::7]:10255`);
    expect(proxyEnvForHop({ HTTPS_PROXY: 'not a url' }, { kind: 'remote', host: 'h', port: 1 })).toEqual({ HTTPS_PROXY: 'not a url' });
  });
});
